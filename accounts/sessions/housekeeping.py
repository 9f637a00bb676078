"""Background work on the sessions table: settling revocation epochs into rows, pruning old rows and events."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import DeviceSession, RevocationEpoch
from accounts.sessions.selectors import security_events_prunable, sessions_prunable

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
