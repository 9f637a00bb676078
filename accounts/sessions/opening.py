"""Opening a session: the first token pair of a device, under the cap of SESSION_MAX_PER_USER.

Every way in (register, login, password change, a passkey) ends here, holding the user's row
lock (``user_lock``) so that concurrent openings of one user count each other's sessions.
"""

from dataclasses import dataclass
from functools import cached_property

from django.db import transaction
from django.utils import timezone

from accounts.app_settings import app_settings
from accounts.dpop import binding
from accounts.events import security_event_record
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, User
from accounts.sessions.devices import device_name_clean
from accounts.sessions.revocation import sessions_revoke_matching
from accounts.sessions.tokens import (
    AMR_PASSWORD,
    SessionAccessToken,
    SessionRefreshToken,
    auth_claims_set,
    new_refresh_expiry,
)


class SessionLimitReached(Exception):
    """The user has SESSION_MAX_PER_USER live sessions and the policy is to deny another."""


@dataclass
class IssuedTokens:
    """A freshly signed token pair and the session it belongs to."""

    refresh: SessionRefreshToken
    session: DeviceSession | None = None
    # The live pair handed out again to a retry within REFRESH_REUSE_GRACE_SECONDS.
    grace: bool = False

    @cached_property
    def access(self) -> SessionAccessToken:
        return self.refresh.access_token


@dataclass(frozen=True)
class SessionClient:
    """The client opening a session, as the session records it: User-Agent, IP, and the DPoP key to bind to."""

    user_agent: str
    ip_address: str | None
    dpop_jkt: str | None = None


def session_create(
    *,
    user: User,
    device_name: str,
    client: SessionClient,
    user_locked: bool = False,
    new_device: bool = False,
    amr: tuple[str, ...] = AMR_PASSWORD,
    event_type: str = SecurityEvent.Type.LOGIN,
) -> IssuedTokens:
    """Open a session for ``user`` and return its first token pair, bound to the key ``client.dpop_jkt`` if given.

    ``user_locked``: the caller's transaction already holds the user's row lock (taken first,
    so that it is the only one), which SESSION_MAX_PER_USER needs. ``new_device``: the login
    came from a device the user has not used lately (``device_is_new``); its one login
    event says so (``new_device`` and the device's name in its detail). ``amr``: how the user
    authenticated (RFC 8176), now; ``event_type``: the security event that records the login.
    """
    now = timezone.now()
    session = DeviceSession(
        user=user,
        device_name=device_name_clean(device_name),
        user_agent=client.user_agent,
        ip_address=client.ip_address,
        created_at=now,
        last_used_at=now,
        absolute_expires_at=now + app_settings.SESSION_MAX_LIFETIME,
        dpop_jkt=client.dpop_jkt,
        auth_time=now,
        amr=" ".join(amr),
    )
    session.expires_at = new_refresh_expiry(now=now, absolute_expires_at=session.absolute_expires_at)
    # The primary key is made here, so the token exists before the row and one INSERT does.
    refresh = SessionRefreshToken.for_session(
        user_id=user.pk,
        session_id=session.pk,
        expires_at=session.expires_at,
        session_expires_at=session.absolute_expires_at,
    )
    binding.bind(refresh, client.dpop_jkt)
    auth_claims_set(refresh, auth_time=now, amr=amr)
    session.refresh_jti = refresh["jti"]
    # No savepoint when nested: every caller lets a failure here undo its whole transaction.
    with transaction.atomic(savepoint=False):
        if app_settings.SESSION_MAX_PER_USER:
            if not user_locked:
                user_lock(user_id=user.pk)
            _session_room_make(user=user, ip_address=client.ip_address)
        session.save(force_insert=True)
        security_event_record(
            type=event_type,
            user_id=user.pk,
            session_id=session.pk,
            ip_address=client.ip_address,
            **({"new_device": True, "device": session.device_name} if new_device else {}),
        )
    return IssuedTokens(refresh=refresh, session=session)


def _session_room_make(*, user: User, ip_address: str | None) -> None:
    """Make room for one more live session of ``user`` under SESSION_MAX_PER_USER, or raise SessionLimitReached.

    Runs inside the session-creating transaction, which holds the user's row lock: concurrent
    logins of one user queue up on it (on PostgreSQL; SQLite runs one write transaction at a
    time anyway), so each one counts the sessions the ones before it created, and the cap holds.
    """
    live = DeviceSession.objects.live(timezone.now()).filter(user_id=user.pk)
    excess = live.count() - app_settings.SESSION_MAX_PER_USER + 1
    if excess <= 0:
        return
    if app_settings.SESSION_LIMIT_POLICY == "deny":
        raise SessionLimitReached
    oldest = list(live.order_by("last_used_at", "created_at").values_list("pk", flat=True)[:excess])
    sessions_revoke_matching(
        queryset=DeviceSession.objects.filter(pk__in=oldest),
        reason=RevokeReason.SESSION_LIMIT,
        ip_address=ip_address,
        users=[user.pk],
        session_ids=[str(pk) for pk in oldest],
    )


def user_lock(*, user_id: int) -> str | None:
    """Lock the user's row to the end of the transaction; return its password hash, None if the user is not active.

    Session creations and password changes of one user take this lock first, and queue up on it.
    """
    return (
        User.objects.select_for_update()
        .filter(pk=user_id, is_active=True)
        .values_list("password", flat=True)
        .first()
    )
