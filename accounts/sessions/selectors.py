"""Reads about sessions and users."""

from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.utils import timezone

from accounts.models import DeviceSession, RevocationEpoch, RevokeReason, SecurityEvent, User
from accounts.sessions import hot_sql, session_cache


def session_user_get(*, session_id: UUID | str, user_id: int | str) -> tuple[User | None, datetime | None]:
    """Return the active user behind a live session (or None), and when the session was last used.

    At most one SQL query. With a shared session state store the query is skipped while the
    stored state is current; the last use is then not read (None).
    """
    cached = session_cache.lookup(session_id=session_id, user_id=user_id)
    if cached is not None and not isinstance(cached, session_cache.Miss):
        return cached, None
    found = hot_sql.live_session_user(session_id=session_id, user_id=user_id, now=timezone.now())
    if found is None:
        return None, None
    user, ends, last_used_at = found
    if cached is not None:
        session_cache.store(miss=cached, session_id=session_id, user=user, ends=ends)
    return user, last_used_at


def session_end_reason(*, session_id: UUID | str, user_id: int | str) -> str | None:
    """Return why the session cannot be used now (for the 401 a client shows its user), or None if unknown.

    Off the hot path: only asked after authentication already failed.
    """
    session = (
        DeviceSession.objects.with_revocation()
        .select_related("user")
        .filter(pk=session_id, user_id=user_id)
        .first()
    )
    if session is None:
        return None
    if not session.user.is_active:
        return RevokeReason.USER_DEACTIVATED.value
    return session.end_reason_at(timezone.now())


def session_list_for_user(*, user: User) -> QuerySet[DeviceSession]:
    """Return the user's live sessions, newest first."""
    return DeviceSession.objects.live(timezone.now()).filter(user=user).order_by("-created_at")


# --- Operators ------------------------------------------------------------------------------
# What the admin and the management commands look at; the services revoke and prune the same sets.


def users_by_email(*, emails: list[str]) -> tuple[dict[str, int], list[str]]:
    """Return ``({email: user id}, [unknown emails])`` for ``emails``, compared without regard to case."""
    wanted = {User.objects.normalize_email(email) for email in emails}
    found = dict(User.objects.filter(email__in=wanted).values_list("email", "pk"))
    return found, sorted(wanted - found.keys())


def sessions_live_of_users(*, user_ids: list[int], now: datetime | None = None) -> QuerySet[DeviceSession]:
    """Return the live sessions of the users ``user_ids``."""
    return DeviceSession.objects.live(now or timezone.now()).filter(user_id__in=user_ids)


def sessions_live_created_by(*, now: datetime | None = None) -> QuerySet[DeviceSession]:
    """Return the sessions live at ``now`` and created at or before it: those an epoch at ``now`` revokes.

    A session dated after ``now`` (by a server whose clock is ahead) is live, but no epoch at
    ``now`` covers it.
    """
    now = now or timezone.now()
    return DeviceSession.objects.live(now).filter(created_at__lte=now)


def sessions_inactive(*, days: int, now: datetime | None = None) -> QuerySet[DeviceSession]:
    """Return the live sessions not used (refreshed) for ``days`` days."""
    now = now or timezone.now()
    return DeviceSession.objects.live(now).filter(last_used_at__lt=now - timedelta(days=days))


def sessions_prunable(*, before: datetime, now: datetime | None = None) -> QuerySet[DeviceSession]:
    """Return the sessions that expired or were revoked before ``before``.

    ``before`` is capped at ``now``, so that a live session can never be in the set. The
    idle expiry never passes the absolute one, so ``expires_at`` tells when any session ended.
    Sessions that an unsettled epoch revoked before ``before`` are in the set too.
    """
    before = min(before, now or timezone.now())
    # Each branch matches an index: revoked_at, and the partial one on unrevoked expires_at.
    prunable = DeviceSession.objects.filter(
        Q(revoked_at__lt=before) | Q(revoked_at__isnull=True, expires_at__lt=before)
    )
    if RevocationEpoch.objects.unsettled().filter(revoked_at__lt=before).exists():
        # Rare (prune_sessions settles first), and with no index to use: only then.
        prunable = prunable | DeviceSession.objects.revoked(before=before)
    return prunable


def revocation_epochs_unsettled() -> list[RevocationEpoch]:
    """Return the revocations of every session that settling has not written into the rows yet, earliest first."""
    return list(RevocationEpoch.objects.unsettled().order_by("revoked_at", "pk"))


# The session_revoked event an epoch was recorded with is written in the same transaction,
# just after it: within this long of the epoch's time, with its reason.
EPOCH_EVENT_WITHIN = timedelta(seconds=5)


def revocation_epochs_with_event() -> QuerySet[RevocationEpoch]:
    """Return every revocation epoch with what its event recorded: ``event_source``, ``event_actor`` (an email), ``event_count``, ``event_criterion``.

    One query, whatever the number of epochs: each annotation is a subquery that the
    event_type_idx index serves (type, then a few seconds of created_at).
    """
    event = SecurityEvent.objects.filter(
        type=SecurityEvent.Type.SESSION_REVOKED,
        reason=OuterRef("reason"),
        created_at__gte=OuterRef("revoked_at"),
        created_at__lte=OuterRef("revoked_at") + EPOCH_EVENT_WITHIN,
    ).order_by("created_at")
    return RevocationEpoch.objects.annotate(
        event_source=Subquery(event.values("source")[:1]),
        event_actor=Subquery(event.values("actor__email")[:1]),
        event_count=Subquery(event.values("count")[:1]),
        event_criterion=Subquery(event.values(criterion=KT("detail__criterion"))[:1]),
    )


def sessions_to_settle(*, epoch: RevocationEpoch) -> QuerySet[DeviceSession]:
    """Return the sessions ``epoch`` revoked whose rows do not say so yet."""
    return DeviceSession.objects.to_settle(epoch)


def security_events_prunable(*, before: datetime) -> QuerySet[SecurityEvent]:
    """Return the security events recorded before ``before``."""
    return SecurityEvent.objects.filter(created_at__lt=before)
