"""A token's binding to a DPoP key, and how a request must present a bound or an unbound token.

The binding is the key's RFC 7638 thumbprint in the token's ``cnf.jkt`` (RFC 9449 section 6),
written when a session opens and copied at each rotation; the proofs themselves are
``accounts.dpop.proofs``.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import HTTP_HEADER_ENCODING

from accounts.app_settings import app_settings
from accounts.dpop.proofs import (
    PROOF_HEADER,
    SCHEME,
    THUMBPRINT_PATTERN,
    DPoPFailed,
    challenge,
    refused,
    verify_proof,
)

CONFIRMATION_CLAIM = "cnf"


class MalformedBinding(ValueError):
    """A token's ``cnf`` claim is not the one this server writes."""


def token_jkt(token) -> str | None:
    """Return the key thumbprint a token is bound to (``cnf.jkt``), or None for a Bearer token."""
    cnf = token.get(CONFIRMATION_CLAIM)
    if cnf is None:
        return None
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not THUMBPRINT_PATTERN.fullmatch(jkt):
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
        raise refused(
            request, DPoPFailed(str(_("The token's key binding is malformed.")), error="invalid_token")
        ) from exc
    presented_as_dpop = authorization_scheme(request) == SCHEME.lower()
    if jkt is None:
        if presented_as_dpop:
            raise refused(
                request,
                DPoPFailed(
                    str(_("This token is not bound to a key: send it as Bearer.")), error="invalid_token"
                ),
            )
        if refreshing and app_settings.DPOP_REQUIRED:
            raise refused(
                request, DPoPFailed(str(_("This server requires DPoP: log in again with a proof.")))
            )
        return
    if not presented_as_dpop:
        raise refused(
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
    if app_settings.DPOP_REQUIRED:
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
