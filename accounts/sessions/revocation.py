"""Revoking sessions, four ways, by what is revoked."""

from collections.abc import Iterable
from uuid import UUID

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.events import security_event_record
from accounts.models import DeviceSession, RevocationEpoch, SecurityEvent
from accounts.sessions import session_cache
from accounts.sessions.selectors import sessions_live_created_by
from common import metrics

# Four ways, by what is revoked: one session; every session of some users (keeping one, at
# most); the sessions a filter matches; everybody's. Each is one write and one security event
# with the reason, committed before the cached session state is dropped (accounts.sessions.session_cache).
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
            _revocations_count(reason=reason, count=revoked)
            session_cache.forget_user(user_id)
    return bool(revoked)


def _revocations_count(*, reason: str, count: int) -> None:
    """Count ``count`` sessions revoked for ``reason`` in ``/metrics`` once the transaction commits.

    Not before: a revocation rolled back (a login whose eviction failed further on) revoked nothing.
    """
    reason = str(reason)  # a RevokeReason member hashes by its name, not its value
    transaction.on_commit(lambda: metrics.sessions_revoked(reason, count=count))


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
            _revocations_count(reason=reason, count=count)
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
            epoch = RevocationEpoch.objects.create(revoked_at=now, reason=reason)
            security_event_record(
                type=SecurityEvent.Type.SESSION_REVOKED,
                ip_address=ip_address,
                reason=reason,
                count=count,
                epoch=epoch.pk,
                **criterion,
            )
            _revocations_count(reason=reason, count=count)
            session_cache.forget_everybody()
    return count
