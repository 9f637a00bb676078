"""DPoP (RFC 9449): tokens bound to a key that the client holds and never sends.

A client that sends a ``DPoP`` proof with login, register or password change gets a session
bound to the RFC 7638 thumbprint of the proof's public key: the session row keeps it
(``dpop_jkt``) and both tokens carry it as ``cnf.jkt``. From then on every use of those tokens
needs ``Authorization: DPoP <token>`` and a fresh proof signed by that key, for that method and
URL, within ``DPOP_PROOF_MAX_AGE_SECONDS``, never seen before (``accounts.dpop.replay``) and, with
an access token, carrying the token's hash (``ath``). A copied token without the key is useless.

Sessions opened without a proof keep plain Bearer tokens, exactly as before, unless
``DPOP_REQUIRED`` is set. Signatures and JWK parsing are PyJWT's (with ``cryptography``).
"""

import hmac
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import DisallowedHost
from django.utils.translation import gettext_lazy as _
from jwt.algorithms import get_default_algorithms
from rest_framework.exceptions import AuthenticationFailed

from accounts.app_settings import app_settings
from accounts.dpop import replay
from accounts.jwk import b64url_sha256, thumbprint

logger = logging.getLogger("accounts.dpop")

PROOF_HEADER = "HTTP_DPOP"
SCHEME = "DPoP"
PROOF_TYPE = "dpop+jwt"
# Asymmetric algorithms only: "none" and the HMAC ones (a shared secret proves nothing) are refused.
ALGORITHMS = ("ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA")
_KEY_TYPES = {"ES": "EC", "PS": "RSA", "RS": "RSA", "Ed": "OKP"}
_EC_CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_OKP_CURVES = ("Ed25519", "Ed448")
# Members that only a private (or symmetric) JWK has: a proof's jwk must be public.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
RSA_MIN_BITS, RSA_MAX_BITS = 2048, 8192
# Enough for an RSA-8192 proof; bounds the work a hostile header can ask for.
PROOF_MAX_LENGTH = 8192
JTI_MAX_LENGTH = 256
_COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
THUMBPRINT_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ALGORITHM_OBJECTS = get_default_algorithms()


def challenge(error: str, description: str | None = None) -> str:
    """Return the ``WWW-Authenticate`` value of a DPoP failure, the Bearer challenge after it.

    ``description`` is one of this module's fixed messages: no quote, no client text.
    """
    described = f', error_description="{description}"' if description else ""
    return (
        f'{SCHEME} realm="api", error="{error}"{described}, algs="{" ".join(ALGORITHMS)}", Bearer realm="api"'
    )


class DPoPFailed(AuthenticationFailed):
    """A 401 with DPoP's challenge (``common.exceptions`` sends ``www_authenticate``)."""

    def __init__(self, detail: str, *, error: str = "invalid_dpop_proof"):
        super().__init__(detail, code=error)
        self.www_authenticate = challenge(error, detail)


def _invalid(reason: str) -> DPoPFailed:
    return DPoPFailed(str(_("Invalid DPoP proof: %(reason)s.") % {"reason": reason}))


@dataclass(frozen=True)
class Proof:
    """A verified proof: the thumbprint of its key, and its ``jti``."""

    jkt: str
    jti: str


def _public_key(header: dict[str, Any]) -> tuple[Any, str, str]:
    """Return the verification key of a proof header, its algorithm and the key's thumbprint."""
    alg, jwk = header.get("alg"), header.get("jwk")
    if header.get("typ") != PROOF_TYPE:
        raise _invalid(_("typ must be dpop+jwt"))
    if alg not in ALGORITHMS:
        raise _invalid(_("alg must be one of %(algs)s") % {"algs": ", ".join(ALGORITHMS)})
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise _invalid(_("jwk must be a JSON Web Key"))
    if _PRIVATE_MEMBERS & jwk.keys():
        raise _invalid(_("jwk must be a public key"))
    kty = _KEY_TYPES[alg[:2]]
    if jwk["kty"] != kty:
        raise _invalid(_("jwk does not fit alg"))
    if (kty == "EC" and jwk.get("crv") != _EC_CURVES[alg]) or (
        kty == "OKP" and jwk.get("crv") not in _OKP_CURVES
    ):
        raise _invalid(_("jwk's curve does not fit alg"))
    algorithm = _ALGORITHM_OBJECTS[alg]
    try:
        key = algorithm.from_jwk(jwk)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError, OverflowError, UnsupportedAlgorithm) as exc:
        raise _invalid(_("jwk is not a valid key")) from exc
    if isinstance(key, rsa.RSAPublicKey) and not RSA_MIN_BITS <= key.key_size <= RSA_MAX_BITS:
        raise _invalid(_("RSA keys must have 2048 to 8192 bits"))
    # From the parsed key, not the client's JSON: one canonical form per key.
    return key, alg, thumbprint(algorithm.to_jwk(key, as_dict=True))


def _normalized_url(url: str) -> str | None:
    """Return ``url`` as scheme://host[:port]/path: case, default port, query and fragment aside."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None or parts.password is not None:
        return None
    if ":" in host:
        host = f"[{host}]"
    authority = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{authority}{unquote(parts.path) or '/'}"


def request_url(request) -> str | None:
    """Return the URL of ``request`` as the client addressed it, normalised, or None when it has none.

    Django's scheme and validated host: behind ``NUM_PROXIES`` trusted proxies, those of the
    outermost one's ``X-Forwarded-Proto`` and ``X-Forwarded-Host`` when Django accepts them
    (``common.middleware.TrustedProxyMiddleware``). The path includes any script prefix. None
    for a host Django refuses or a port out of range: such a request matches no ``htu``.
    """
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    return _normalized_url(f"{request.scheme}://{host}{request.path}")


def refused(request, exc: DPoPFailed) -> DPoPFailed:
    """Log a refusal (why, and where; never the proof or the token) and return ``exc`` to raise."""
    logger.info("DPoP refused on %s %s: %s", request.method, request.path, exc.detail)
    return exc


def verify_proof(request, *, access_token: str | bytes | None = None, jkt: str | None = None) -> Proof:
    """Return the verified DPoP proof of ``request``; raise DPoPFailed when it is missing or invalid.

    ``access_token``: the proof must carry its hash (``ath``). ``jkt``: the proof must be signed
    by that key. The ``jti`` is recorded last, so a refused proof costs no replay record.
    """
    try:
        return _verify_proof(request, access_token=access_token, jkt=jkt)
    except DPoPFailed as exc:
        raise refused(request, exc) from None


def _verify_proof(request, *, access_token: str | bytes | None, jkt: str | None) -> Proof:
    raw = request.META.get(PROOF_HEADER)
    if not raw:
        raise DPoPFailed(str(_("A DPoP proof is required.")))
    # One proof only: WSGI servers join repeated headers with commas, which a JWS never holds.
    if len(raw) > PROOF_MAX_LENGTH or not _COMPACT_JWS.fullmatch(raw):
        raise _invalid(_("not one compact JWS"))
    try:
        header = jwt.get_unverified_header(raw)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise _invalid(_("unreadable header")) from exc
    key, alg, key_jkt = _public_key(header)
    try:
        claims = jwt.decode(
            raw,
            key=key,
            algorithms=[alg],
            options={
                "verify_signature": True,
                # Checked below, by this module's rules.
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
        raise _invalid(_("bad signature")) from exc

    jti, htm, htu, iat = (claims.get(name) for name in ("jti", "htm", "htu", "iat"))
    if not isinstance(jti, str) or not 0 < len(jti) <= JTI_MAX_LENGTH:
        raise _invalid(_("jti must be a string of 1 to 256 characters"))
    if htm != request.method:
        raise _invalid(_("htm does not match the request's method"))
    htu_url = _normalized_url(htu) if isinstance(htu, str) else None
    if htu_url is None:
        raise _invalid(_("htu must be an absolute http or https URL"))
    # Two URLs that cannot be read are not the same URL.
    url = request_url(request)
    if url is None:
        raise _invalid(_("the request's own URL cannot be read"))
    if htu_url != url:
        raise _invalid(_("htu does not match the request's URL"))
    max_age = app_settings.DPOP_PROOF_MAX_AGE_SECONDS
    now = time.time()
    if type(iat) not in (int, float) or not math.isfinite(iat) or abs(now - iat) > max_age:
        raise _invalid(
            _("iat is not within %(seconds)s seconds of the server's clock") % {"seconds": max_age}
        )
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(ath, b64url_sha256(access_token)):
            raise _invalid(_("ath does not match the access token"))
    if jkt is not None and not hmac.compare_digest(key_jkt, jkt):
        raise _invalid(_("not signed by the key the token is bound to"))
    if not replay.first_use(jkt=key_jkt, jti=jti, valid_until=iat + max_age):
        raise _invalid(_("already used"))
    return Proof(jkt=key_jkt, jti=jti)
