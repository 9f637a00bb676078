"""A refresh: the rotation of a session's token, a retry inside the grace window, and reuse detection."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError

from accounts import notifications
from accounts.app_settings import app_settings
from accounts.dpop import binding
from accounts.events import security_event_record
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, SessionState
from accounts.sessions import hot_sql
from accounts.sessions.devices import device_name_from_user_agent
from accounts.sessions.opening import IssuedTokens
from accounts.sessions.revocation import session_revoke, sessions_revoke_of_users
from accounts.sessions.tokens import SessionRefreshToken, auth_claims_set, new_refresh_expiry


class RefreshDenied(Exception):
    """The refresh token cannot be used; the message says why (for logs), ``reason`` what ended its session.

    ``outcome`` is how ``/metrics`` counts it (``auth_refresh_total``): ``expired`` for a token or
    session past its time, ``reuse`` and ``revoked`` by the reason, ``invalid`` for the rest.
    """

    def __init__(self, message: str, reason: str | None = None, *, expired: bool = False):
        super().__init__(message)
        self.reason = reason
        if expired or reason == "session_expired":
            self.outcome = "expired"
        elif reason == RevokeReason.REUSE_DETECTED:
            self.outcome = "reuse"
        else:
            self.outcome = "revoked" if reason else "invalid"


def refresh_token_decode(raw: str | bytes) -> SessionRefreshToken:
    """Return the validated refresh token of ``raw``; raise RefreshDenied when it is not one."""
    try:
        return SessionRefreshToken(raw)
    except TokenError as exc:
        raise RefreshDenied(str(exc), expired=isinstance(exc, ExpiredTokenError)) from exc


def session_refresh(*, token: SessionRefreshToken, ip_address: str | None = None) -> IssuedTokens:
    """Rotate the session of a validated refresh token and return the next pair.

    The common case is one conditional UPDATE: it succeeds only while the presented token
    is the session's live one, so of N concurrent refreshes with one token exactly one
    wins (the row lock serialises them; the others see the new jti and match nothing).
    Everything else is told apart afterwards, off the fast path.
    """
    now = timezone.now()
    session_id, user_id, jti = token.session_id, token["user_id"], token["jti"]
    expires_at = new_refresh_expiry(now=now, absolute_expires_at=token.session_expires_at)
    new = SessionRefreshToken.for_session(
        user_id=user_id,
        session_id=session_id,
        expires_at=expires_at,
        session_expires_at=token.session_expires_at,
    )
    # The binding is signed into the token (checked against the proof before we got here):
    # the rotation's one UPDATE need not read it from the row.
    binding.bind(new, binding.token_jkt(token))
    rotated = hot_sql.session_rotate(
        session_id=session_id, user_id=user_id, jti=jti, new_jti=new["jti"], now=now, expires_at=expires_at
    )
    if rotated is not None:
        # Signed later (str()), so the claims read back with the rotation still go in.
        auth_claims_set(new, auth_time=rotated.auth_time, amr=rotated.amr)
        return IssuedTokens(refresh=new)
    return _refresh_not_rotated(token=token, now=now, ip_address=ip_address)


def _refresh_not_rotated(
    *, token: SessionRefreshToken, now: datetime, ip_address: str | None
) -> IssuedTokens:
    """Tell a grace-window retry from reuse, revocation and expiry, after the UPDATE missed."""
    session = (
        DeviceSession.objects.with_revocation()
        .select_related("user")
        .filter(pk=token.session_id, user_id=token["user_id"])
        .first()
    )
    if session is None:
        raise RefreshDenied("unknown session")
    if not session.user.is_active:
        raise RefreshDenied("user inactive", reason=RevokeReason.USER_DEACTIVATED.value)
    if session.state_at(now) != SessionState.LIVE:
        raise RefreshDenied("session ended", reason=session.end_reason_at(now))
    jti = token["jti"]
    grace = app_settings.REFRESH_REUSE_GRACE
    if (
        grace
        and jti == session.previous_jti
        and session.rotated_at is not None
        and now - session.rotated_at <= grace
    ):
        # A retry of the rotation just made (a lost response, a race between two calls
        # of one client): hand out the live token again rather than start a second chain.
        security_event_record(
            type=SecurityEvent.Type.REFRESH_GRACE,
            user_id=session.user_id,
            session_id=session.pk,
            ip_address=ip_address,
        )
        return IssuedTokens(refresh=session_live_token(session=session), grace=True)
    if jti == session.refresh_jti:
        raise RefreshDenied("session changed during the refresh")
    # A signed token of this session that is no longer its live one: it was rotated past,
    # so two parties hold the session's tokens. Kill the whole session.
    with transaction.atomic():
        security_event_record(
            type=SecurityEvent.Type.REFRESH_REUSE,
            user_id=session.user_id,
            session_id=session.pk,
            ip_address=ip_address,
            reused_jti=jti,
        )
        everywhere = app_settings.REFRESH_REUSE_REVOKES == "user"
        if everywhere:
            revoked = sessions_revoke_of_users(
                user_ids=[session.user_id], reason=RevokeReason.REUSE_DETECTED, ip_address=ip_address
            )
        else:
            revoked = int(
                session_revoke(
                    session_id=session.pk,
                    user_id=session.user_id,
                    reason=RevokeReason.REUSE_DETECTED,
                    ip_address=ip_address,
                )
            )
        if revoked:  # a concurrent detection of the same reuse mails nobody twice
            _reuse_notify(
                session=session, ip_address=ip_address, now=now, revoked=revoked, everywhere=everywhere
            )
    raise RefreshDenied("reuse detected", reason=RevokeReason.REUSE_DETECTED.value)


def _reuse_notify(
    *, session: DeviceSession, ip_address: str | None, now: datetime, revoked: int, everywhere: bool
) -> None:
    """Record that the user is told of the reuse, and mail them after the commit."""
    security_event_record(
        type=SecurityEvent.Type.REUSE_NOTIFIED,
        user_id=session.user_id,
        session_id=session.pk,
        ip_address=ip_address,
        reason=RevokeReason.REUSE_DETECTED,
        count=revoked,
    )
    notifications.mail_after_commit(
        name=notifications.REUSE,
        user=session.user,
        context={
            "device": session.device_name or device_name_from_user_agent(session.user_agent),
            "session_ip": session.ip_address,
            "ip": ip_address,
            "time": now,
            "revoked_count": revoked,
            "everywhere": everywhere,
        },
    )


def session_live_token(*, session: DeviceSession) -> SessionRefreshToken:
    """Return ``session``'s live refresh token minted again (same ``jti``), with its binding, ``auth_time`` and ``amr``."""
    live = SessionRefreshToken.for_session(
        user_id=session.user_id,
        session_id=session.pk,
        expires_at=session.expires_at,
        session_expires_at=session.absolute_expires_at,
        jti=session.refresh_jti,
    )
    binding.bind(live, session.dpop_jkt)
    auth_claims_set(live, auth_time=session.auth_time, amr=session.amr)
    return live
