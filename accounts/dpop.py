"""DPoP (RFC 9449): tokens bound to a key that the client holds and never sends.

A client that sends a ``DPoP`` proof with login, register or password change gets a session
bound to the RFC 7638 thumbprint of the proof's public key: the session row keeps it
(``dpop_jkt``) and both tokens carry it as ``cnf.jkt``. From then on every use of those tokens
needs ``Authorization: DPoP <token>`` and a fresh proof signed by that key, for that method and
URL, within ``DPOP_PROOF_MAX_AGE_SECONDS``, never seen before (``accounts.dpop_replay``) and, with
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
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.translation import gettext_lazy as _
from jwt.algorithms import get_default_algorithms
from rest_framework import HTTP_HEADER_ENCODING
from rest_framework.exceptions import AuthenticationFailed

from accounts import dpop_replay
from accounts.jwk import b64url_sha256, thumbprint

logger = logging.getLogger("accounts.dpop")

PROOF_HEADER = "HTTP_DPOP"
SCHEME = "DPoP"
CONFIRMATION_CLAIM = "cnf"
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
_THUMBPRINT = re.compile(r"[A-Za-z0-9_-]{43}")
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


def _refused(request, exc: DPoPFailed) -> DPoPFailed:
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
        raise _refused(request, exc) from None


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
    max_age = settings.DPOP_PROOF_MAX_AGE_SECONDS
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
    if not dpop_replay.first_use(jkt=key_jkt, jti=jti, valid_until=iat + max_age):
        raise _invalid(_("already used"))
    return Proof(jkt=key_jkt, jti=jti)


# --- Tokens and requests --------------------------------------------------------------------


class MalformedBinding(ValueError):
    """A token's ``cnf`` claim is not the one this server writes."""


def token_jkt(token) -> str | None:
    """Return the key thumbprint a token is bound to (``cnf.jkt``), or None for a Bearer token."""
    cnf = token.get(CONFIRMATION_CLAIM)
    if cnf is None:
        return None
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not _THUMBPRINT.fullmatch(jkt):
        raise MalformedBinding("cnf.jkt")
    return jkt


def bind(token, jkt: str | None) -> None:
    """Bind ``token`` (a refresh token: its access tokens copy the claim) to the key ``jkt``."""
    if jkt is not None:
        token[CONFIRMATION_CLAIM] = {"jkt": jkt}


def authorization_scheme(request) -> str:
    """Return the scheme of the Authorization header, lower-cased ('' without one)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if isinstance(header, bytes):
        header = header.decode(HTTP_HEADER_ENCODING, "replace")
    parts = header.split(None, 1)
    return parts[0].lower() if parts else ""


def require_binding(request, token, *, raw: str | bytes, access: bool, refreshing: bool = False) -> None:
    """Check that ``token`` is presented as its binding demands; raise DPoPFailed otherwise.

    A bound token needs the DPoP scheme and a proof from its key (with ``ath`` when ``access``);
    an unbound one the Bearer scheme. ``refreshing``: new tokens are about to be issued, which
    ``DPOP_REQUIRED`` forbids for an unbound session.
    """
    try:
        jkt = token_jkt(token)
    except MalformedBinding as exc:
        raise _refused(
            request, DPoPFailed(str(_("The token's key binding is malformed.")), error="invalid_token")
        ) from exc
    presented_as_dpop = authorization_scheme(request) == SCHEME.lower()
    if jkt is None:
        if presented_as_dpop:
            raise _refused(
                request,
                DPoPFailed(
                    str(_("This token is not bound to a key: send it as Bearer.")), error="invalid_token"
                ),
            )
        if refreshing and settings.DPOP_REQUIRED:
            raise _refused(
                request, DPoPFailed(str(_("This server requires DPoP: log in again with a proof.")))
            )
        return
    if not presented_as_dpop:
        raise _refused(
            request,
            DPoPFailed(
                str(_("This token is bound to a key: send it with the DPoP scheme and a proof.")),
                error="invalid_token",
            ),
        )
    verify_proof(request, access_token=raw if access else None, jkt=jkt)


def jkt_for_new_session(request) -> str | None:
    """Return the key a session opened by ``request`` is to be bound to, or None for a Bearer session.

    A request authenticated by a bound token (its proof already checked) binds to that key;
    any other binds to the key of its DPoP proof, when it sends one. Without a proof,
    ``DPOP_REQUIRED`` refuses.
    """
    auth = getattr(request, "auth", None)
    if auth is not None:
        jkt = token_jkt(auth)
        if jkt is not None:
            return jkt
    if request.META.get(PROOF_HEADER):
        return verify_proof(request).jkt
    if settings.DPOP_REQUIRED:
        raise DPoPFailed(str(_("A DPoP proof is required.")))
    return None


def authenticate_header(request) -> str | None:
    """Return DPoP's challenge for a 401 to a request that used the DPoP scheme, else None."""
    if authorization_scheme(request) == SCHEME.lower():
        return challenge("invalid_token")
    return None


class DPoPAuthenticationMixin:
    """Teach SimpleJWT's ``JWTAuthentication`` the DPoP scheme and the binding of tokens.

    ``Authorization: DPoP <access>`` is read like ``Bearer``; then a bound token must come with
    the DPoP scheme and a proof carrying its hash, and an unbound one as Bearer. The proof is
    checked before the session is looked up, so a copied token without its key costs no query.
    """

    def get_raw_token(self, header: bytes) -> bytes | None:
        parts = header.split()
        if parts and parts[0].lower() == SCHEME.lower().encode():
            if len(parts) != 2:
                raise DPoPFailed(
                    str(_("The Authorization header must be 'DPoP <token>'.")), error="invalid_token"
                )
            return parts[1]
        return super().get_raw_token(header)

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None:
            return None
        token = self.get_validated_token(raw)
        require_binding(request, token, raw=raw, access=True)
        return self.get_user(token), token

    def authenticate_header(self, request) -> str:
        return authenticate_header(request) or super().authenticate_header(request)
