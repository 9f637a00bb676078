"""Reads about sessions and users."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from accounts import queries, session_cache
from accounts.models import DeviceSession, SecurityEvent, User


def session_user_get(*, session_id, user_id):
    """Return the active user behind a live session, or None: at most one SQL query.

    With a shared session state store the query is skipped while the stored state is current.
    """
    cached = session_cache.lookup(session_id=session_id, user_id=user_id)
    if cached is not None and not isinstance(cached, session_cache.Miss):
        return cached
    found = queries.live_session_user(session_id=session_id, user_id=user_id, now=timezone.now())
    if found is None:
        return None
    user, ends = found
    if cached is not None:
        session_cache.store(miss=cached, session_id=session_id, user=user, ends=ends)
    return user


def live_sessions(now=None):
    """Return the sessions not revoked and not expired at ``now``."""
    now = now or timezone.now()
    return DeviceSession.objects.filter(
        revoked_at__isnull=True, expires_at__gt=now, absolute_expires_at__gt=now
    )


def session_list_for_user(*, user):
    """Return the user's live sessions, newest first."""
    return live_sessions().filter(user=user).order_by("-created_at")


# --- Operators ------------------------------------------------------------------------------
# What the admin and the management commands look at; the services revoke and prune the same sets.


def users_by_email(*, emails):
    """Return ``({email: user id}, [unknown emails])`` for ``emails``, compared without regard to case."""
    wanted = {User.objects.normalize_email(email) for email in emails}
    found = dict(User.objects.filter(email__in=wanted).values_list("email", "pk"))
    return found, sorted(wanted - found.keys())


def sessions_live_of_users(*, user_ids, now=None):
    """Return the live sessions of the users ``user_ids``."""
    return live_sessions(now).filter(user_id__in=user_ids)


def sessions_inactive(*, days, now=None):
    """Return the live sessions not used (refreshed) for ``days`` days."""
    now = now or timezone.now()
    return live_sessions(now).filter(last_used_at__lt=now - timedelta(days=days))


def sessions_prunable(*, before, now=None):
    """Return the sessions that expired or were revoked before ``before``.

    ``before`` is capped at ``now``, so that a live session can never be in the set. The
    idle expiry never passes the absolute one, so ``expires_at`` tells when any session ended.
    """
    before = min(before, now or timezone.now())
    # Each branch matches an index: revoked_at, and the partial one on unrevoked expires_at.
    return DeviceSession.objects.filter(
        Q(revoked_at__lt=before) | Q(revoked_at__isnull=True, expires_at__lt=before)
    )


def security_events_prunable(*, before):
    """Return the security events recorded before ``before``."""
    return SecurityEvent.objects.filter(created_at__lt=before)
