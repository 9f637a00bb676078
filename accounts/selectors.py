"""Reads about sessions and users."""

from django.utils import timezone

from accounts import session_cache
from accounts.models import DeviceSession


def session_user_get(*, session_id, user_id):
    """Return the active user behind a live session, or None: at most one SQL query.

    With a shared session cache the query is skipped while the cached state is current.
    """
    now = timezone.now()
    cached = session_cache.lookup(session_id=session_id, user_id=user_id, now=now)
    if cached is not None and not isinstance(cached, session_cache.Miss):
        return cached
    session = (
        live_sessions(now)
        .select_related("user")
        .filter(pk=session_id, user_id=user_id, user__is_active=True)
        .first()
    )
    if session is None:
        return None
    if cached is not None:
        session_cache.store(miss=cached, session=session, user=session.user)
    return session.user


def live_sessions(now=None):
    """Return the sessions not revoked and not expired at ``now``."""
    now = now or timezone.now()
    return DeviceSession.objects.filter(
        revoked_at__isnull=True, expires_at__gt=now, absolute_expires_at__gt=now
    )


def session_list_for_user(*, user):
    """Return the user's live sessions, newest first."""
    return live_sessions().filter(user=user).order_by("-created_at")
