"""SimpleJWT tokens that carry the session id (``sid``) of the device session they belong to."""

import re
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, datetime_to_epoch

from accounts.app_settings import app_settings
from accounts.keys import backend

SESSION_CLAIM = "sid"
# The session's absolute expiry (epoch seconds), so that rotation can cap the new token's
# ``exp`` without reading the session first.
SESSION_EXPIRY_CLAIM = "sexp"
# The last second that datetime can hold (9999-12-31T23:59:59Z): a time claim past it, however
# well signed, would overflow the conversion that SimpleJWT makes.
MAX_EPOCH = 253402300799
JTI_MAX_LENGTH = 64  # the session's jti columns
# When the user last proved who they are on the session, and how (OpenID Connect's claims,
# RFC 8176 values): what the recent-authentication rule (accounts.passkeys.permissions) reads.
AUTH_TIME_CLAIM = "auth_time"
AMR_CLAIM = "amr"
AMR_PASSWORD = ("pwd",)
AMR_PASSKEY = ("hwk", "user")


def _is_epoch(value: object) -> bool:
    """Return whether ``value`` is a NumericDate (RFC 7519: seconds, a fraction allowed) datetime can hold."""
    return type(value) in (int, float) and 0 <= value <= MAX_EPOCH


def check_claim_types(payload: dict, time_claims: tuple[str, ...]) -> None:
    """Raise TokenError unless the claims have the types and ranges the code after this expects.

    Runs before SimpleJWT converts them, so that a correctly signed but odd token (a string
    ``exp``, a year past 9999, a number as ``jti``) is refused as invalid, not met with a 500.
    """
    for claim in ("exp", *time_claims):
        if not _is_epoch(payload.get(claim)):
            raise TokenError(_("Token has an invalid '%(claim)s' claim") % {"claim": claim})
    for claim in ("iat", "nbf"):
        if claim in payload and not _is_epoch(payload[claim]):
            raise TokenError(_("Token has an invalid '%(claim)s' claim") % {"claim": claim})
    jti = payload.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= JTI_MAX_LENGTH:
        raise TokenError(_("Token has an invalid 'jti' claim"))
    if not isinstance(payload.get("token_type"), str):
        raise TokenError(_("Token has an invalid 'token_type' claim"))
    if AUTH_TIME_CLAIM in payload and not _is_epoch(payload[AUTH_TIME_CLAIM]):
        raise TokenError(_("Token has an invalid 'auth_time' claim"))
    amr = payload.get(AMR_CLAIM, [])
    if not isinstance(amr, list) or not all(isinstance(value, str) for value in amr):
        raise TokenError(_("Token has an invalid 'amr' claim"))


class SessionTokenMixin:
    """Require the ``sid`` claim and read lifetimes from settings at call time."""

    lifetime_setting = None
    time_claims = ()

    @property
    def lifetime(self) -> timedelta:
        return getattr(app_settings, self.lifetime_setting)

    def verify(self) -> None:
        check_claim_types(self.payload, self.time_claims)
        super().verify()
        # Checked here so that nothing downstream meets an id no row can have.
        try:
            uuid.UUID(self.payload[SESSION_CLAIM])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise TokenError(_("Token has no valid session id")) from exc
        if not re.fullmatch(r"[0-9]{1,18}", str(self.payload.get("user_id", ""))):
            raise TokenError(_("Token has no valid user id"))

    @property
    def session_id(self) -> str:
        return self.payload[SESSION_CLAIM]

    @property
    def expires_at(self) -> datetime:
        return datetime_from_epoch(self.payload["exp"])


class KeyringBackendMixin:
    """Sign with the keyring's active key and verify with the key named by the token's ``kid``.

    SimpleJWT's extension point: every token of this project goes through one backend
    built from the keyring (accounts.keys.keyring), not through SimpleJWT's global one.
    """

    @property
    def token_backend(self) -> backend.KeyringTokenBackend:
        return backend.current()

    def get_token_backend(self) -> backend.KeyringTokenBackend:
        return backend.current()


class SessionAccessToken(KeyringBackendMixin, SessionTokenMixin, AccessToken):
    lifetime_setting = "ACCESS_TOKEN_LIFETIME"


class SessionRefreshToken(KeyringBackendMixin, SessionTokenMixin, RefreshToken):
    lifetime_setting = "REFRESH_TOKEN_LIFETIME"
    access_token_class = SessionAccessToken
    time_claims = (SESSION_EXPIRY_CLAIM,)

    @classmethod
    def for_session(
        cls,
        *,
        user_id: int | str,
        session_id: UUID | str,
        expires_at: datetime,
        session_expires_at: datetime,
        jti: str | None = None,
    ) -> "SessionRefreshToken":
        """Return a refresh token of the session, expiring at ``expires_at``.

        ``jti`` is given only to mint again the session's live token (the grace window).
        """
        token = cls()
        token["user_id"] = str(user_id)
        token[SESSION_CLAIM] = str(session_id)
        token[SESSION_EXPIRY_CLAIM] = datetime_to_epoch(session_expires_at)
        token["exp"] = datetime_to_epoch(expires_at)
        if jti is not None:
            token["jti"] = jti
        return token

    def check_blacklist(self) -> None:
        """Skip SimpleJWT's blacklist table: the session is this token's blacklist.

        Only called where ``token_blacklist`` is installed (a project moving over from the
        stock setup); without this, every refresh would pay a lookup that decides nothing.
        """

    @property
    def session_expires_at(self) -> datetime:
        return datetime_from_epoch(self.payload[SESSION_EXPIRY_CLAIM])

    @property
    def access_token(self) -> SessionAccessToken:
        """Return the paired access token; it never outlives the refresh token."""
        access = super().access_token
        access["exp"] = min(access["exp"], self["exp"])
        return access


def auth_claims_set(token, *, auth_time: datetime | None, amr: str | Iterable[str]) -> None:
    """Put when and how the user last authenticated on the session into ``token`` (its access tokens copy them).

    ``amr`` as the session row keeps it (space-separated) or as a sequence. Nothing when
    ``auth_time`` is None: a session from before these were recorded, never recent.
    """
    if auth_time is None:
        return
    token[AUTH_TIME_CLAIM] = datetime_to_epoch(auth_time)
    token[AMR_CLAIM] = amr.split() if isinstance(amr, str) else list(amr)


def new_refresh_expiry(*, now: datetime, absolute_expires_at: datetime) -> datetime:
    """Return when a refresh token issued ``now`` expires: idle lifetime, capped by the session."""
    return min(now + app_settings.REFRESH_TOKEN_LIFETIME, absolute_expires_at)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Return whole seconds from ``now`` to ``moment`` (at least 0)."""
    return max(0, int((moment - now) / timedelta(seconds=1)))
