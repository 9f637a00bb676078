"""SimpleJWT's token backend, signing with the keyring's active key and verifying by ``kid``.

Verification trusts nothing in the token's header: the algorithm must be the configured one
(never ``none``, never HS256 on an RS256/ES256 deployment, whose public key is no secret),
the ``kid`` must name a configured key, and headers that point at other keys (``jku``,
``x5u``, an embedded ``jwk`` or ``x5c``) are refused outright rather than ignored.
"""

import base64
import json
from typing import Any

import jwt
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import settings as simplejwt_settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken

from accounts.keys import keyring
from accounts.keys.keyring import CheckedSecret, Key, Keyring

# Our tokens carry these and nothing else; any other header is someone else's token.
ALLOWED_HEADERS = frozenset({"alg", "kid", "typ"})


class CheckedHMACAlgorithm(jwt.algorithms.HMACAlgorithm):
    """HS256 that takes the keyring's secrets as they are, since the keyring checked each one.

    PyJWT checks an HMAC secret on every call (that it is no PEM, SSH, DER or JWK key: the guard
    against algorithm confusion), and that check costs more than the signature it guards
    (docs/benchmarks.md). Any other key still goes through it.
    """

    def prepare_key(self, key: str | bytes) -> bytes:
        if type(key) is CheckedSecret:
            return key
        return super().prepare_key(key)


def _codec() -> jwt.PyJWT:
    """Return a PyJWT whose HS256 is CheckedHMACAlgorithm; every other algorithm is PyJWT's own."""
    codec = jwt.PyJWT()
    # PyJWT signs and verifies through the PyJWS it keeps here; only its HS256 changes.
    codec._jws.unregister_algorithm("HS256")
    codec._jws.register_algorithm("HS256", CheckedHMACAlgorithm(CheckedHMACAlgorithm.SHA256))
    return codec


_jwt = _codec()


class KeyringTokenBackend(TokenBackend):
    """A TokenBackend whose keys come from a Keyring; audience, issuer and leeway from SIMPLE_JWT."""

    def __init__(self, keyring: Keyring, **kwargs: Any) -> None:
        super().__init__(keyring.algorithm, **kwargs)
        self.keyring = keyring

    def encode(self, payload: dict[str, Any]) -> str:
        """Return ``payload`` signed with the active key, its ``kid`` in the header."""
        jwt_payload = payload.copy()
        if self.audience is not None:
            jwt_payload["aud"] = self.audience
        if self.issuer is not None:
            jwt_payload["iss"] = self.issuer
        active = self.keyring.active
        return _jwt.encode(
            jwt_payload,
            active.signing_key,
            algorithm=self.algorithm,
            headers={"kid": active.kid},
            json_encoder=self.json_encoder,
        )

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        """Return the payload of ``token`` verified by the key its ``kid`` names.

        Raise TokenBackendError (TokenBackendExpiredToken when expired) for any other token.
        """
        try:
            key = self.key_for(unverified_header(token)) if verify else None
            return _jwt.decode(
                token,
                key.verifying_key if key else None,
                algorithms=[self.algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.get_leeway(),
                options={"verify_aud": self.audience is not None, "verify_signature": verify},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenBackendExpiredToken(_("Token is expired")) from exc
        except (jwt.InvalidTokenError, ValueError, RecursionError) as exc:
            # ValueError: a malformed segment PyJWT did not wrap; RecursionError: JSON nested
            # past the interpreter's limit. A bad token either way, not a server fault.
            raise TokenBackendError(_("Token is invalid")) from exc

    def key_for(self, header: dict[str, Any]) -> Key:
        """Return the key that may verify a token with ``header``; raise InvalidTokenError if none may."""
        if not ALLOWED_HEADERS.issuperset(header):
            raise jwt.InvalidTokenError("unexpected header parameter")
        if header.get("alg") != self.algorithm:
            raise jwt.InvalidAlgorithmError("algorithm is not the configured one")
        kid = header.get("kid")
        key = self.keyring.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise jwt.InvalidTokenError("no configured key has this kid")
        return key


def unverified_header(token: str | bytes) -> dict[str, Any]:
    """Return the JOSE header of ``token``, unverified, to pick the key; raise ValueError if unreadable.

    PyJWT's own get_unverified_header parses and validates the whole token, which
    jwt.decode does again right after (docs/benchmarks.md has the cost). Decoding the
    first segment alone is enough here: jwt.decode then accepts only canonical base64url,
    for which this decoding gives the same bytes, and checks ``alg`` itself.
    """
    if isinstance(token, bytes):
        token = token.decode("ascii")
    segment = token.split(".", 1)[0]
    header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


_current: tuple[Keyring, KeyringTokenBackend] | None = None


def current() -> KeyringTokenBackend:
    """Return the backend of the current keyring and SIMPLE_JWT settings, built once and kept."""
    global _current
    ring = keyring.current()
    if _current is None or _current[0] is not ring:
        # Through the module: SimpleJWT replaces its api_settings object when SIMPLE_JWT changes.
        api_settings = simplejwt_settings.api_settings
        backend = KeyringTokenBackend(
            ring,
            audience=api_settings.AUDIENCE,
            issuer=api_settings.ISSUER,
            leeway=api_settings.LEEWAY,
            json_encoder=api_settings.JSON_ENCODER,
        )
        _current = (ring, backend)
    return _current[1]


@receiver(setting_changed)
def _forget_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    global _current
    if setting == "SIMPLE_JWT":
        _current = None
