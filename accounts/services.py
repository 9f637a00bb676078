"""Every rule about sessions and credentials: the API, the signals, the admin and the commands call these."""

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from uuid import UUID

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import check_password
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.exceptions import TokenError

from accounts import dpop, hot_sql, notifications, session_cache
from accounts.devices import device_name_clean, device_name_from_user_agent
from accounts.models import DeviceSession, RevocationEpoch, RevokeReason, SecurityEvent, SessionState, User
from accounts.selectors import security_events_prunable, sessions_live_created_by, sessions_prunable
from accounts.tokens import (
    AMR_PASSWORD,
    SessionAccessToken,
    SessionRefreshToken,
    auth_claims_set,
    new_refresh_expiry,
)

# One line per security event, for operators (the admin shows the same events from the table).
security_log = logging.getLogger("accounts.security")
_WARNING_EVENTS = {"refresh_reuse", "login_failed", "account_deleted"}


class LoginFailed(Exception):
    """The email and password do not match an active user."""


class RefreshDenied(Exception):
    """The refresh token cannot be used; the message says why (for logs), ``reason`` what ended its session."""

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        self.reason = reason


class EmailTaken(Exception):
    """Another user already has this email address."""


class SessionLimitReached(Exception):
    """The user has SESSION_MAX_PER_USER live sessions and the policy is to deny another."""


class PasswordChanged(Exception):
    """The password changed after it was checked: nothing may be opened or changed on the strength of it."""


class ResetLinkInvalid(Exception):
    """The password-reset link is unknown, used, expired, or its account cannot reset."""


@dataclass
class IssuedTokens:
    """A freshly signed token pair and the session it belongs to."""

    refresh: SessionRefreshToken
    session: DeviceSession | None = None

    @cached_property
    def access(self) -> SessionAccessToken:
        return self.refresh.access_token


@dataclass(frozen=True)
class SessionClient:
    """The client opening a session, as the session records it: User-Agent, IP, and the DPoP key to bind to."""

    user_agent: str
    ip_address: str | None
    dpop_jkt: str | None = None


# Who is acting, for the security log, when a revocation is triggered indirectly
# (the password-change signal cannot know whether an admin or the user saved the user).
_actor = contextvars.ContextVar("accounts_actor", default=(None, "system"))


@contextmanager
def acting_as(actor: User | None, source: str) -> Iterator[None]:
    """Attribute the security events recorded inside the block to ``actor`` via ``source``."""
    token = _actor.set((actor, source))
    try:
        yield
    finally:
        _actor.reset(token)


def security_event_record(
    *,
    type: str,
    user_id: int | None = None,
    session_id: UUID | str | None = None,
    ip_address: str | None = None,
    reason: str = "",
    count: int = 1,
    **detail,
) -> SecurityEvent:
    """Record one security event, attributed to the current actor."""
    actor, source = _actor.get()
    event = SecurityEvent.objects.create(
        type=type,
        user_id=user_id,
        session_id=session_id,
        ip_address=ip_address,
        actor=actor if actor is not None and actor.pk != user_id else None,
        source=source,
        reason=reason,
        count=count,
        detail=detail,
    )
    fields = {
        "event": str(type),
        "user_id": user_id,
        "session_id": str(session_id) if session_id else None,
        "client_ip": ip_address,
        "source": source,
        "reason": str(reason) or None,
        "count": count,
        "actor_id": event.actor_id,
    }
    security_log.log(
        logging.WARNING if type in _WARNING_EVENTS else logging.INFO,
        "security event %s",
        " ".join(f"{key}={value}" for key, value in fields.items() if value is not None),
        extra=fields,
    )
    return event


# --- Accounts -------------------------------------------------------------------------------


def user_register(
    *,
    email: str,
    password: str,
    device_name: str,
    client: SessionClient,
    first_name: str = "",
    last_name: str = "",
) -> "IssuedTokens":
    """Create a user and open their first session; raise EmailTaken when the email is in use (also under a race).

    ``client.dpop_jkt`` binds the session to that key (accounts.dpop), as for the two below.
    """
    # One transaction: until it commits nobody else can see the user, let alone change their
    # password, so the first session cannot outlive the password it was opened with.
    with transaction.atomic():
        try:
            user = User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name
            )
        except IntegrityError as exc:
            raise EmailTaken(email) from exc
        return session_create(user=user, device_name=device_name, client=client, user_locked=True)


def user_login(
    *,
    request: HttpRequest | None,
    email: str,
    password: str,
    device_name: str,
    client: SessionClient,
) -> "IssuedTokens":
    """Check the credentials and open a session; raise LoginFailed the same way for every failure.

    A password changed between the check and the session's commit, by whatever path, fails the
    login too (``_user_login_lock``): no session outlives the password it was opened with.
    """
    # Django's backend runs the hasher for unknown emails too, so timing tells nothing.
    user = authenticate(request, email=email, password=password)
    if user is not None:
        with transaction.atomic():
            if _user_login_lock(user=user, password=password):
                new_device = device_is_new(user=user, user_agent=client.user_agent)
                issued = session_create(user=user, device_name=device_name, client=client, user_locked=True)
                if new_device:
                    _new_device_notify(session=issued.session)
                return issued
    email = User.objects.normalize_email(email)
    security_event_record(
        type=SecurityEvent.Type.LOGIN_FAILED,
        user_id=User.objects.filter(email=email).values_list("pk", flat=True).first(),
        ip_address=client.ip_address,
        email=email[:254],
    )
    raise LoginFailed


def _user_login_lock(*, user: User, password: str) -> bool:
    """Lock the row of ``user``, who just authenticated with ``password``; return whether it still may log in.

    Runs first in the transaction that opens the session. The UPDATE of ``last_login`` is the
    lock and the check in one round trip: it matches only while the row holds the hash that
    authenticated and the user is active. A change committed since (the API, a reset, the admin,
    ``set_password()`` + ``save()``) makes it match nothing; one not yet committed makes it
    wait, then match nothing. From here to the commit the lock keeps the password as it is, and
    a change after the commit revokes the new session with the others. The row lock is also the
    one that queues concurrent logins under SESSION_MAX_PER_USER (``_session_room_make``).

    A hash that differs may still be the same password: a concurrent login rehashed it (after a
    hasher upgrade), so the password is checked once more against the locked row's hash.
    """
    now = timezone.now()
    if User.objects.filter(pk=user.pk, password=user.password, is_active=True).update(last_login=now):
        return True
    current = _user_lock(user_id=user.pk)
    if current is None or not check_password(password, current):
        return False
    User.objects.filter(pk=user.pk).update(last_login=now)
    return True


def device_is_new(*, user: User, user_agent: str, now: datetime | None = None) -> bool:
    """Return whether none of the user's sessions used in the last NEW_DEVICE_WINDOW_DAYS came from ``user_agent``.

    Ended sessions count too, as long as the table still holds them (``prune_sessions``).
    Always False with NEW_DEVICE_WINDOW_DAYS at 0 (the check is off).
    """
    days = settings.NEW_DEVICE_WINDOW_DAYS
    if not days:
        return False
    since = (now or timezone.now()) - timedelta(days=days)
    return not DeviceSession.objects.filter(
        user=user, user_agent=user_agent, last_used_at__gte=since
    ).exists()


def _new_device_notify(*, session: DeviceSession) -> None:
    """Record a login from a new device and mail the user about it after the commit."""
    security_event_record(
        type=SecurityEvent.Type.NEW_DEVICE_LOGIN,
        user_id=session.user_id,
        session_id=session.pk,
        ip_address=session.ip_address,
        device=session.device_name,
    )
    notifications.mail_after_commit(
        name=notifications.NEW_DEVICE,
        user=session.user,
        context={
            "device": session.device_name,
            "user_agent": session.user_agent,
            "ip": session.ip_address,
            "time": session.created_at,
        },
    )


def user_change_password(
    *,
    user: User,
    new_password: str,
    session_id: str,
    client: SessionClient,
    device_name: str = "",
) -> "IssuedTokens":
    """Set a new password, which revokes every session, then open a new one for this device.

    The new session is called ``device_name``, or when that is empty what the old one was called.
    ``user.password`` is the hash the current password was checked against: when another
    change (a reset, the admin) committed since, raise PasswordChanged and change nothing,
    rather than overwrite it on the strength of the password it replaced.
    """
    checked = user.password
    device_name = device_name or (
        DeviceSession.objects.filter(pk=session_id, user=user).values_list("device_name", flat=True).first()
        or ""
    )
    with acting_as(user, "api"), transaction.atomic():
        if _user_lock(user_id=user.pk) != checked:
            raise PasswordChanged
        user.set_password(new_password)
        user.save()  # The post_save receiver revokes every session of the user.
        return session_create(user=user, device_name=device_name, client=client, user_locked=True)


def _user_lock(*, user_id: int) -> str | None:
    """Lock the user's row to the end of the transaction; return its password hash, None if the user is not active.

    Session creations and password changes of one user take this lock first, and queue up on it.
    """
    return (
        User.objects.select_for_update()
        .filter(pk=user_id, is_active=True)
        .values_list("password", flat=True)
        .first()
    )


def user_delete(*, user_id: int, ip_address: str | None = None) -> bool:
    """Delete the user ``user_id`` with their sessions, passkeys and todos; return whether there was one.

    Every token of theirs is refused at once: their sessions' rows go in the same transaction,
    and the cached state is dropped after the commit (accounts.signals). One security event
    stays for the admins, naming the account by its former id only; the email is taken out of
    the user's earlier events, which stay (their user becomes NULL).
    """
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            return False
        for event in SecurityEvent.objects.filter(user_id=user_id).exclude(detail={}):
            if "email" in event.detail:
                detail = {key: value for key, value in event.detail.items() if key != "email"}
                SecurityEvent.objects.filter(pk=event.pk).update(detail=detail)
        security_event_record(
            type=SecurityEvent.Type.ACCOUNT_DELETED, ip_address=ip_address, deleted_user_id=user_id
        )
        user.delete()
    return True


# A public name for the passkey login (accounts.passkeys), which opens sessions the same way.
new_device_notify = _new_device_notify


# --- Password reset -------------------------------------------------------------------------

# The web client's reset page, from the root of the origin that serves it (the client routes by hash).
PASSWORD_RESET_CLIENT_PAGE = "/#/reset-password"


def password_reset_request(*, email: str, user_agent: str, ip_address: str | None, origin: str) -> None:
    """Mail a single-use reset link to the active account of ``email``, if there is one.

    ``origin`` (scheme and host, as the request was validated against ALLOWED_HOSTS) is where
    the web client's reset page is when PASSWORD_RESET_URL is unset.

    The caller answers the same whatever happens here, and both paths do the same work (one
    lookup, one event, one rendered mail) but for handing the mail over, after the commit
    and off the request thread: neither the answer nor its timing tells whether the account exists.
    """
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email).first()
    can_reset = user is not None and user.is_active and user.has_usable_password()
    recipient = user if can_reset else User(email=email, password="!")  # never saved
    now = timezone.now()
    context = {
        "link": password_reset_link(user=recipient, origin=origin),
        "ip": ip_address,
        "device": device_name_from_user_agent(user_agent),
        "time": now,
        "valid_for": _duration_words(settings.PASSWORD_RESET_TIMEOUT),
    }
    with transaction.atomic():
        security_event_record(
            type=SecurityEvent.Type.PASSWORD_RESET_REQUESTED,
            user_id=user.pk if user is not None else None,
            ip_address=ip_address,
            reason=RevokeReason.PASSWORD_RESET,
            mailed=can_reset,
            **({} if user is not None else {"email": email[:254]}),
        )
        if can_reset:
            notifications.mail_after_commit(
                name=notifications.PASSWORD_RESET, user=recipient, context=context
            )
        else:
            # The same rendering, thrown away; a template that fails is logged on the other path.
            with contextlib.suppress(Exception):
                notifications.mail_render(name=notifications.PASSWORD_RESET, user=recipient, context=context)


def password_reset_link(*, user: User, origin: str) -> str:
    """Return the reset page with the ``uid`` and single-use ``token`` of ``user`` in its fragment.

    The page is PASSWORD_RESET_URL, else the web client's (``<origin>/#/reset-password``). Both
    values go after the ``#``, which a browser never sends to a server (nor in a Referer): as
    ``#uid=...&token=...``, or as the query of a fragment the page already has (a hash-routed
    client's, such as ours).
    """
    secrets = urlencode(
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )
    page = settings.PASSWORD_RESET_URL or f"{origin}{PASSWORD_RESET_CLIENT_PAGE}"
    fragment = page.partition("#")[2]
    if "#" not in page:
        separator = "#"
    elif not fragment or fragment.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&" if "?" in fragment else "?"
    return f"{page}{separator}{secrets}"


def password_reset_user_check(*, uid: str, token: str, lock: bool = False) -> User | None:
    """Return the active user whose reset link ``uid`` and ``token`` are, while it is valid; else None.

    ``lock`` locks the user's row first (inside a transaction), so that of two uses of one
    link at the same moment only the first finds it valid.
    """
    try:
        pk = int(urlsafe_base64_decode(uid).decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, uid: str, token: str, new_password: str, ip_address: str | None) -> User:
    """Set the password of the reset link's user, which revokes every session; raise ResetLinkInvalid.

    The new password changes what the token was made from, so the link stops working.
    """
    with transaction.atomic():
        user = password_reset_user_check(uid=uid, token=token, lock=True)
        if user is None:
            raise ResetLinkInvalid
        user.set_password_from_reset(new_password)
        user.save()  # The post_save receiver revokes every session of the user.
        security_event_record(
            type=SecurityEvent.Type.PASSWORD_RESET_COMPLETED,
            user_id=user.pk,
            ip_address=ip_address,
            reason=RevokeReason.PASSWORD_RESET,
        )
    return user


def _duration_words(seconds: int) -> str:
    """Return ``seconds`` in the largest whole unit, e.g. "1 hour", "90 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"


# --- Sessions -------------------------------------------------------------------------------


def session_create(
    *,
    user: User,
    device_name: str,
    client: SessionClient,
    user_locked: bool = False,
    amr: tuple[str, ...] = AMR_PASSWORD,
    event_type: str = SecurityEvent.Type.LOGIN,
) -> IssuedTokens:
    """Open a session for ``user`` and return its first token pair, bound to the key ``client.dpop_jkt`` if given.

    ``user_locked``: the caller's transaction already holds the user's row lock (taken first,
    so that it is the only one), which SESSION_MAX_PER_USER needs. ``amr``: how the user
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
        absolute_expires_at=now + settings.SESSION_MAX_LIFETIME,
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
    dpop.bind(refresh, client.dpop_jkt)
    auth_claims_set(refresh, auth_time=now, amr=amr)
    session.refresh_jti = refresh["jti"]
    # No savepoint when nested: every caller lets a failure here undo its whole transaction.
    with transaction.atomic(savepoint=False):
        if settings.SESSION_MAX_PER_USER:
            if not user_locked:
                _user_lock(user_id=user.pk)
            _session_room_make(user=user, ip_address=client.ip_address)
        session.save(force_insert=True)
        security_event_record(
            type=event_type,
            user_id=user.pk,
            session_id=session.pk,
            ip_address=client.ip_address,
        )
    return IssuedTokens(refresh=refresh, session=session)


def _session_room_make(*, user: User, ip_address: str | None) -> None:
    """Make room for one more live session of ``user`` under SESSION_MAX_PER_USER, or raise SessionLimitReached.

    Runs inside the session-creating transaction, which holds the user's row lock: concurrent
    logins of one user queue up on it (on PostgreSQL; SQLite runs one write transaction at a
    time anyway), so each one counts the sessions the ones before it created, and the cap holds.
    """
    live = DeviceSession.objects.live(timezone.now()).filter(user_id=user.pk)
    excess = live.count() - settings.SESSION_MAX_PER_USER + 1
    if excess <= 0:
        return
    if settings.SESSION_LIMIT_POLICY == "deny":
        raise SessionLimitReached
    oldest = list(live.order_by("last_used_at", "created_at").values_list("pk", flat=True)[:excess])
    sessions_revoke_matching(
        queryset=DeviceSession.objects.filter(pk__in=oldest),
        reason=RevokeReason.SESSION_LIMIT,
        ip_address=ip_address,
        users=[user.pk],
        session_ids=[str(pk) for pk in oldest],
    )


def session_rename(*, session_id: UUID | str, user_id: int, device_name: str) -> DeviceSession | None:
    """Rename the live session ``session_id`` of user ``user_id``; return it, or None when there is none."""
    renamed = (
        DeviceSession.objects.live(timezone.now())
        .filter(pk=session_id, user_id=user_id)
        .update(device_name=device_name_clean(device_name))
    )
    if not renamed:
        return None
    return DeviceSession.objects.filter(pk=session_id, user_id=user_id).first()


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
    dpop.bind(new, dpop.token_jkt(token))
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
    grace = settings.REFRESH_REUSE_GRACE
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
        live = SessionRefreshToken.for_session(
            user_id=session.user_id,
            session_id=session.pk,
            expires_at=session.expires_at,
            session_expires_at=session.absolute_expires_at,
            jti=session.refresh_jti,
        )
        dpop.bind(live, session.dpop_jkt)
        auth_claims_set(live, auth_time=session.auth_time, amr=session.amr)
        return IssuedTokens(refresh=live)
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
        everywhere = settings.REFRESH_REUSE_REVOKES == "user"
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


# How stale "last used" may get: authenticated requests record their use at most this often per
# session, so that the sessions list reflects use without a write on every request.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def session_touch(*, session_id: UUID | str, last_used_at: datetime) -> bool:
    """Record that the session was used now, when its last use is older than LAST_USED_RESOLUTION.

    Return whether it wrote. The UPDATE re-checks the age, so concurrent requests write once.
    """
    now = timezone.now()
    threshold = now - LAST_USED_RESOLUTION
    if last_used_at >= threshold:
        return False
    return bool(
        DeviceSession.objects.filter(pk=session_id, last_used_at__lt=threshold).update(last_used_at=now)
    )


# --- Revocation -----------------------------------------------------------------------------
# Four ways, by what is revoked: one session; every session of some users (keeping one, at
# most); the sessions a filter matches; everybody's. Each is one write and one security event
# with the reason, committed before the cached session state is dropped (accounts.session_cache).
# None of them marks again a session already revoked, by its row or by an epoch (the rule of
# DeviceSessionQuerySet): its first revocation keeps its time and reason.

# Past this many users, dropping everybody's cached session state costs less than one
# cache write per user (and a thundering herd of cache misses is bounded by the sessions).
CACHE_FORGET_USERS_MAX = 1000


def session_revoke(
    *, session_id: UUID | str, user_id: int, reason: str, ip_address: str | None = None
) -> bool:
    """Revoke the session ``session_id`` of user ``user_id``; return whether nothing had revoked it until now."""
    now = timezone.now()
    with transaction.atomic():
        revoked = (
            DeviceSession.objects.unrevoked()
            .filter(pk=session_id, user_id=user_id)
            .update(revoked_at=now, revoke_reason=reason)
        )
        if revoked:
            security_event_record(
                type=SecurityEvent.Type.SESSION_REVOKED,
                user_id=user_id,
                session_id=session_id,
                ip_address=ip_address,
                reason=reason,
            )
            session_cache.forget_user(user_id)
    return bool(revoked)


def sessions_revoke_of_users(
    *,
    user_ids: Iterable[int],
    reason: str,
    keep_session_id: UUID | str | None = None,
    ip_address: str | None = None,
    **criterion,
) -> int:
    """Revoke every live session of the users ``user_ids``, but ``keep_session_id``; return how many.

    A row UPDATE, not an epoch: it reaches a user's few live sessions through the partial
    index on them (docs/admin-at-scale.md says why there is no per-user epoch).
    """
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    queryset = DeviceSession.objects.filter(user_id__in=user_ids)
    if keep_session_id is not None:
        queryset = queryset.exclude(pk=keep_session_id)
    criterion.setdefault("user_ids", user_ids)
    return sessions_revoke_matching(
        queryset=queryset, reason=reason, ip_address=ip_address, users=user_ids, **criterion
    )


def sessions_revoke_matching(
    *,
    queryset: QuerySet[DeviceSession],
    reason: str,
    ip_address: str | None = None,
    users: Iterable[int] | None = None,
    **criterion,
) -> int:
    """Revoke the live sessions of ``queryset`` in one UPDATE; return how many there were.

    ``users`` names (by id) the users the filter can match, when the caller knows them, so that
    cached session state is dropped for them alone; otherwise (rows may start to match between
    any read and the UPDATE) it is dropped for everybody. ``criterion`` goes into the event.
    """
    now = timezone.now()
    user_ids = None if users is None else sorted(set(users))
    with transaction.atomic():
        count = (queryset & DeviceSession.objects.live(now)).update(revoked_at=now, revoke_reason=reason)
        if count:
            security_event_record(
                type=SecurityEvent.Type.SESSION_REVOKED,
                user_id=user_ids[0] if user_ids and len(user_ids) == 1 else None,
                ip_address=ip_address,
                reason=reason,
                count=count,
                **criterion,
            )
            if user_ids is None or len(user_ids) > CACHE_FORGET_USERS_MAX:
                session_cache.forget_everybody()
            else:
                for user_id in user_ids:
                    session_cache.forget_user(user_id)
    return count


def sessions_revoke_everybody(*, reason: str, ip_address: str | None = None, **criterion) -> int:
    """Revoke every live session with one revocation epoch; return how many were live.

    One row written whatever the number of sessions: the session rule reads the epoch, so every
    process refuses those sessions once this commits, and ``revocation_epochs_settle`` writes
    the epoch into their rows later. The count is of the sessions the epoch revokes among those
    committed when it ran; a login still in flight then (dated before the epoch, committed after
    the count) is revoked too without being counted. Nothing is written when none is live.
    """
    now = timezone.now()
    with transaction.atomic():
        count = sessions_live_created_by(now=now).count()
        if count:
            RevocationEpoch.objects.create(revoked_at=now, reason=reason)
            security_event_record(
                type=SecurityEvent.Type.SESSION_REVOKED,
                ip_address=ip_address,
                reason=reason,
                count=count,
                **criterion,
            )
            session_cache.forget_everybody()
    return count


SETTLE_BATCH_SIZE = 5000
# Settling waits this long after an epoch: the rule stops reading an epoch once it is settled,
# so every session it revokes must be in the table by then. A session created (by its server's
# clock) before the epoch but committed after settling would otherwise escape it; that takes a
# login in flight, or a clock behind, for longer than this (requests time out in a minute).
SETTLE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class SettledEpoch:
    """An epoch that settling wrote into the rows of the sessions it revoked, and how many rows."""

    epoch: RevocationEpoch
    sessions: int


def revocation_epochs_settle(
    *,
    older_than: timedelta = SETTLE_AFTER,
    batch_size: int = SETTLE_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> list[SettledEpoch]:
    """Write each unsettled epoch older than ``older_than`` into the rows of the sessions it revoked; mark it settled.

    Background work, in batches of ``batch_size`` rows, each its own short transaction that
    repeats the filter (a row revoked meanwhile keeps its own revocation). No read changes:
    the rule already said these sessions were revoked, then, for that reason. Earliest epoch
    first, so that a session two epochs revoked gets the earlier one, as the rule says.
    ``on_batch(count)`` is called after each batch.
    """
    settled = []
    epochs = RevocationEpoch.objects.unsettled().filter(revoked_at__lte=timezone.now() - older_than)
    for epoch in epochs.order_by("revoked_at", "pk"):
        sessions = _in_batches(
            queryset=DeviceSession.objects.to_settle(epoch),
            batch_size=batch_size,
            on_batch=on_batch,
            write=lambda batch, epoch=epoch: batch.update(
                revoked_at=epoch.revoked_at, revoke_reason=epoch.reason
            ),
        )
        RevocationEpoch.objects.filter(pk=epoch.pk).update(settled_at=timezone.now())
        settled.append(SettledEpoch(epoch=epoch, sessions=sessions))
    return settled


def refresh_token_decode(raw: str | bytes) -> SessionRefreshToken:
    """Return the validated refresh token of ``raw``; raise RefreshDenied when it is not one."""
    try:
        return SessionRefreshToken(raw)
    except TokenError as exc:
        raise RefreshDenied(str(exc)) from exc


# --- Housekeeping ---------------------------------------------------------------------------

PRUNE_BATCH_SIZE = 5000


def sessions_prune(
    *,
    older_than: timedelta,
    batch_size: int = PRUNE_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Delete the sessions that expired or were revoked more than ``older_than`` ago.

    Live sessions are never in the set (see selectors.sessions_prunable). Return how many
    were deleted; ``on_batch(count)`` is called after each batch.
    """
    return _delete_in_batches(
        queryset=sessions_prunable(before=timezone.now() - older_than),
        batch_size=batch_size,
        on_batch=on_batch,
        signals=False,
    )


def security_events_prune(
    *,
    older_than: timedelta,
    batch_size: int = PRUNE_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Delete the security events recorded more than ``older_than`` ago; return how many."""
    return _delete_in_batches(
        queryset=security_events_prunable(before=timezone.now() - older_than),
        batch_size=batch_size,
        on_batch=on_batch,
    )


def _delete_in_batches(
    *,
    queryset: QuerySet,
    batch_size: int,
    on_batch: Callable[[int], None] | None = None,
    signals: bool = True,
) -> int:
    """Delete the rows of ``queryset`` ``batch_size`` at a time, each batch its own transaction.

    With ``signals=False`` each batch is one DELETE statement, without loading the rows to send
    ``post_delete`` for each: only for rows no receiver needs to hear of, and nothing cascades from.
    """

    def delete(batch):
        return batch.delete()[0] if signals else batch._raw_delete(queryset.db)

    return _in_batches(queryset=queryset, batch_size=batch_size, on_batch=on_batch, write=delete)


def _in_batches(
    *,
    queryset: QuerySet,
    batch_size: int,
    write: Callable[[QuerySet], int],
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Apply ``write`` to the rows of ``queryset`` ``batch_size`` at a time, each batch its own transaction; return its total.

    Batches walk the primary key from where the previous one stopped, so that none scans
    again the rows the others changed (dead until vacuumed) and no lock outlives its batch.
    ``write`` gets the batch as ``queryset`` filtered by the batch's range of keys, so it
    repeats the filter: a row that stopped matching in between is left alone.
    """
    done, last = 0, None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        ids = list(page.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return done
        with transaction.atomic(using=queryset.db):
            # The batch as a range of the primary key rather than its list of ids: one index
            # range scan instead of a lookup per id, which halved the time of settling 200k rows.
            count = write(page.filter(pk__lte=ids[-1]))
        done += count
        if on_batch is not None:
            on_batch(count)
        if len(ids) < batch_size:
            return done
        last = ids[-1]
