"""Authentication of access tokens against their live session."""

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from accounts.dpop.binding import DPoPAuthenticationMixin
from accounts.sessions import selectors
from accounts.sessions.activity import session_touch


class SessionJWTAuthentication(DPoPAuthenticationMixin, JWTAuthentication):
    """SimpleJWT's authentication, refusing tokens whose session is no longer live.

    The session, its expiry and the user's ``is_active`` are checked in the one query
    that the stock class spends on the user alone, so a revocation takes effect on the
    very next request, in every server process. Tokens of a session bound to a key
    need the DPoP scheme and a proof (``accounts.dpop``).
    """

    def get_user(self, validated_token):
        user, last_used_at = selectors.session_user_get(
            session_id=validated_token.session_id, user_id=validated_token["user_id"]
        )
        if last_used_at is not None:
            session_touch(session_id=validated_token.session_id, last_used_at=last_used_at)
        if user is None:
            reason = selectors.session_end_reason(
                session_id=validated_token.session_id, user_id=validated_token["user_id"]
            )
            raise session_ended("The session of this token has ended.", code="session_revoked", reason=reason)
        return user


def session_ended(detail: str, *, code: str, reason: str | None) -> AuthenticationFailed:
    """Return the 401 of a token whose session has ended, saying why when that is known.

    The reason lets a client tell its user what happened (logged out elsewhere, password changed,
    reuse detected, expired); it tells an attacker holding the token nothing they could use.
    """
    body = {"detail": _(detail), "code": code}
    if reason:
        body["reason"] = reason
    return AuthenticationFailed(body, code=code)
