"""The keys that sign and verify tokens: one active key and any number of verify-only fallbacks.

Read once from the settings of config/settings.py ("Signing keys"); see docs/keys.md. Every
key has a ``kid``: the RFC 7638 thumbprint of an asymmetric key, or for an HMAC secret a
digest that does not give the secret away. Nothing here ever puts key material into an
error message: they name settings and files only.
"""

import hashlib
import hmac
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from accounts.app_settings import app_settings
from accounts.jwk import b64url, public_jwk, thumbprint

HMAC_ALGORITHMS = frozenset({"HS256"})
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
SUPPORTED_ALGORITHMS = HMAC_ALGORITHMS | ASYMMETRIC_ALGORITHMS
RSA_MIN_BITS = 2048
# The settings the keyring is built from: changing one (tests do) builds it anew.
KEY_SETTINGS = frozenset(
    {
        "SECRET_KEY",
        "SECRET_KEY_FALLBACKS",
        "JWT_ALGORITHM",
        "JWT_SIGNING_KEY",
        "JWT_SIGNING_KEY_FALLBACKS",
        "JWT_PRIVATE_KEY_FILE",
        "JWT_KEY_FALLBACK_FILES",
    }
)
# A label mixed into the HMAC kid, so that the kid is tied to this use of the secret only.
_HMAC_KID_LABEL = b"refresh-sessions/jwt-kid/v1"


class CheckedSecret(bytes):
    """An HMAC secret that PyJWT's key checks accepted when the keyring loaded it.

    accounts.keys.backend signs and verifies with it as it is, without checking it again.
    """


class KeyringError(ImproperlyConfigured):
    """The key settings are unusable; the message says which setting or file and why."""


@dataclass(frozen=True)
class Key:
    """One key of the keyring: what verifies (and, for the active key, signs) tokens with ``kid``."""

    kid: str
    algorithm: str
    verifying_key: Any
    signing_key: Any = None
    public_jwk: dict[str, str] | None = None
    source: str = ""

    @property
    def can_sign(self) -> bool:
        return self.signing_key is not None


@dataclass(frozen=True)
class Keyring:
    """The active key, which signs every new token, and the fallbacks, which only verify."""

    algorithm: str
    active: Key
    fallbacks: tuple[Key, ...] = ()
    warnings: tuple[str, ...] = ()
    _by_kid: dict[str, Key] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_kid = {}
        for key in (self.active, *self.fallbacks):
            by_kid.setdefault(key.kid, key)
        object.__setattr__(self, "_by_kid", by_kid)

    def get(self, kid: str) -> Key | None:
        """Return the key named ``kid``, or None."""
        return self._by_kid.get(kid)

    @property
    def keys(self) -> tuple[Key, ...]:
        return tuple(self._by_kid.values())

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """Return the RFC 7517 JWK Set of the public keys (none for HMAC secrets)."""
        return {"keys": [dict(key.public_jwk) for key in self.keys if key.public_jwk is not None]}


# --- kids --------------------------------------------------------------------------------------


def hmac_kid(secret: bytes) -> str:
    """Return the kid of an HMAC secret: a keyed digest that names it and cannot give it back."""
    return "hs-" + b64url(hmac.new(secret, _HMAC_KID_LABEL, hashlib.sha256).digest()[:12])


# --- Loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyConfig:
    """The key settings, as plain values (from Django's settings or given directly)."""

    algorithm: str = "HS256"
    signing_key: str | None = None
    signing_key_fallbacks: Sequence[str] = ()
    secret_key: str = ""
    secret_key_fallbacks: Sequence[str] = ()
    private_key_file: str | None = None
    fallback_files: Sequence[str] = ()

    @classmethod
    def from_settings(cls) -> "KeyConfig":
        """Return the configuration that Django's settings hold now."""
        return cls(
            algorithm=app_settings.JWT_ALGORITHM,
            signing_key=app_settings.JWT_SIGNING_KEY or None,
            signing_key_fallbacks=tuple(app_settings.JWT_SIGNING_KEY_FALLBACKS),
            secret_key=settings.SECRET_KEY,
            secret_key_fallbacks=tuple(settings.SECRET_KEY_FALLBACKS),
            private_key_file=app_settings.JWT_PRIVATE_KEY_FILE or None,
            fallback_files=tuple(app_settings.JWT_KEY_FALLBACK_FILES),
        )


def load_keyring(config: KeyConfig) -> Keyring:
    """Build the keyring that ``config`` describes; raise KeyringError on any misconfiguration."""
    algorithm = config.algorithm
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise KeyringError(
            f"JWT_ALGORITHM={algorithm!r} is not supported; use one of {', '.join(sorted(SUPPORTED_ALGORITHMS))}."
        )
    if algorithm in HMAC_ALGORITHMS:
        return _hmac_keyring(config)
    return _asymmetric_keyring(config)


def _hmac_keyring(config: KeyConfig) -> Keyring:
    if config.signing_key:
        active = ("JWT_SIGNING_KEY", config.signing_key)
        fallbacks = _labelled("JWT_SIGNING_KEY_FALLBACKS", config.signing_key_fallbacks)
    else:
        # Django's own secret signs tokens, so its fallbacks verify them (DJANGO_SECRET_KEY_FALLBACKS).
        active = ("DJANGO_SECRET_KEY", config.secret_key)
        fallbacks = _labelled("DJANGO_SECRET_KEY_FALLBACKS", config.secret_key_fallbacks)
        fallbacks += _labelled("JWT_SIGNING_KEY_FALLBACKS", config.signing_key_fallbacks)
    if not (active[1] or "").strip():
        raise KeyringError(f"{active[0]} is empty: HS256 needs a secret to sign tokens.")
    warnings, keys = [], []
    for label, text in [active, *fallbacks]:
        secret = text.encode("utf-8")
        if len(secret) < 32:
            warnings.append(f"{label} is shorter than 32 bytes, the least that HS256 should have.")
        keys.append(_hmac_key(secret, label, signs=not keys))
    return Keyring("HS256", keys[0], tuple(keys[1:]), tuple(warnings))


def _labelled(name: str, values: Sequence[str]) -> list[tuple[str, str]]:
    """Return the non-empty entries of a comma-separated list, stripped, each with its label."""
    entries = [value.strip() for value in values if value and value.strip()]
    return [(f"{name}[{index}]", value) for index, value in enumerate(entries)]


def _hmac_key(secret: bytes, label: str, *, signs: bool) -> Key:
    try:
        # PyJWT refuses a PEM or SSH public key as an HMAC secret: the classic confusion attack.
        prepared = CheckedSecret(jwt.get_algorithm_by_name("HS256").prepare_key(secret))
    except jwt.InvalidKeyError as exc:
        raise KeyringError(
            f"{label} looks like a PEM or SSH key, not an HMAC secret: with JWT_ALGORITHM=HS256 "
            "use a random string; for a key pair set JWT_ALGORITHM and JWT_PRIVATE_KEY_FILE."
        ) from exc
    return Key(
        kid=hmac_kid(secret),
        algorithm="HS256",
        verifying_key=prepared,
        signing_key=prepared if signs else None,
        source=label,
    )


def _asymmetric_keyring(config: KeyConfig) -> Keyring:
    algorithm = config.algorithm
    if not config.private_key_file:
        raise KeyringError(
            f"JWT_ALGORITHM={algorithm} needs JWT_PRIVATE_KEY_FILE, the PEM private key that signs tokens "
            "(python manage.py generate_signing_key makes one)."
        )
    active = load_key_file(config.private_key_file, algorithm, setting="JWT_PRIVATE_KEY_FILE", private=True)
    fallbacks = tuple(
        load_key_file(path, algorithm, setting="JWT_KEY_FALLBACK_FILES", private=False)
        for path in _non_empty(config.fallback_files)
    )
    return Keyring(algorithm, active, fallbacks)


def _non_empty(values: Iterable[str]) -> list[str]:
    return [value.strip() for value in values if value and value.strip()]


def load_key_file(path: str, algorithm: str, *, setting: str, private: bool) -> Key:
    """Load the PEM key in ``path`` for ``algorithm``; ``private`` requires a private key.

    A private key in a file that other users may read is refused: the key is as good as public.
    """
    where = f"{setting}: {path}"
    file = Path(path)
    try:
        mode = file.stat().st_mode
        data = file.read_bytes()
    except FileNotFoundError as exc:
        raise KeyringError(f"{where} does not exist.") from exc
    except OSError as exc:
        raise KeyringError(f"{where} cannot be read ({exc.strerror}).") from exc
    if not stat.S_ISREG(mode):
        raise KeyringError(f"{where} is not a regular file.")
    private_key = _load_pem_private(data, where)
    if private_key is None:
        if private:
            raise KeyringError(f"{where} holds no PEM private key (a signing key must be private).")
        public_key = _load_pem_public(data, where)
    else:
        if mode & (stat.S_IROTH | stat.S_IWOTH):
            raise KeyringError(
                f"{where} is readable or writable by every user of the machine: chmod 600 (or 640) it."
            )
        public_key = private_key.public_key()
    _check_type(public_key, algorithm, where)
    jwk = {**public_jwk(public_key)}
    kid = thumbprint(jwk)
    jwk.update(kid=kid, alg=algorithm, use="sig")
    return Key(
        kid=kid,
        algorithm=algorithm,
        verifying_key=public_key,
        signing_key=private_key if private else None,
        public_jwk=jwk,
        source=where,
    )


def _load_pem_private(data: bytes, where: str) -> Any:
    if b"PRIVATE KEY-----" not in data:
        return None
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted: the server has no passphrase to give
        raise KeyringError(f"{where} is encrypted; give the server an unencrypted key (mode 600).") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyringError(f"{where} is not a valid PEM private key.") from exc


def _load_pem_public(data: bytes, where: str) -> Any:
    try:
        return serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyringError(f"{where} holds no PEM key (private or public).") from exc


def _check_type(public_key: Any, algorithm: str, where: str) -> None:
    if algorithm == "RS256":
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise KeyringError(f"{where} is not an RSA key, as JWT_ALGORITHM=RS256 needs.")
        if public_key.key_size < RSA_MIN_BITS:
            raise KeyringError(
                f"{where} is a {public_key.key_size}-bit RSA key; RS256 needs {RSA_MIN_BITS} or more."
            )
    elif algorithm == "ES256":
        if not (
            isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1)
        ):
            raise KeyringError(f"{where} is not an EC P-256 key, as JWT_ALGORITHM=ES256 needs.")
    elif algorithm == "EdDSA" and not isinstance(public_key, ed25519.Ed25519PublicKey):
        raise KeyringError(f"{where} is not an Ed25519 key, as JWT_ALGORITHM=EdDSA needs.")


# --- The process's keyring ---------------------------------------------------------------------


@cache
def current() -> Keyring:
    """Return the keyring of the current settings, built on first use and kept."""
    return load_keyring(KeyConfig.from_settings())


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in KEY_SETTINGS:
        current.cache_clear()
