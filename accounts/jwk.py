"""JSON Web Keys: base64url, the public JWK of a key (RFC 7517) and its RFC 7638 thumbprint.

One module for the two users of thumbprints: the signing keys (``accounts.keys``: a key's
``kid``) and DPoP (``accounts.dpop``: the ``jkt`` a session is bound to). Both must compute
the same value for the same key, so there is one way to compute it.
"""

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

# RFC 7638 section 3.2: the required members of each key type, and only those.
_THUMBPRINT_MEMBERS = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}


def b64url(data: bytes) -> str:
    """Return ``data`` in unpadded base64url, the encoding of every JOSE member."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_sha256(value: str | bytes) -> str:
    """Return base64url (unpadded) of the SHA-256 of ``value``: the form of ``ath`` and ``jkt``."""
    if isinstance(value, str):
        value = value.encode("ascii")
    return b64url(hashlib.sha256(value).digest())


def _uint(value: int, length: int | None = None) -> str:
    length = length or max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(length, "big"))


def public_jwk(public_key: Any) -> dict[str, str]:
    """Return the RFC 7517 members that describe ``public_key`` (``kty`` and its parameters)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        numbers = public_key.public_numbers()
        return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        numbers = public_key.public_numbers()
        # RFC 7518 6.2.1.2: coordinates are the full length of the curve's field, zero-padded.
        size = (public_key.curve.key_size + 7) // 8
        crv = _CURVE_NAMES[public_key.curve.name]
        return {"kty": "EC", "crv": crv, "x": _uint(numbers.x, size), "y": _uint(numbers.y, size)}
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    raise TypeError(f"unsupported public key type {type(public_key).__name__}")


def thumbprint(jwk: dict[str, Any]) -> str:
    """Return the RFC 7638 SHA-256 thumbprint of the public ``jwk``, base64url-encoded.

    The required members in lexicographic order, as compact UTF-8 JSON; the others (``alg``,
    ``kid``, ``use``...) do not count, so one key has one thumbprint.
    """
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return b64url(hashlib.sha256(canonical.encode("utf-8")).digest())
