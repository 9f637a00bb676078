"""The session rule in the ORM's words: which sessions are live, expired, revoked, and which epochs revoke them.

Beside ``accounts/models.py``, below it: the models take their managers from here, and this
module finds RevocationEpoch by name (``_unsettled_epochs``) rather than importing it. The
hot-path SQL twin of the rule is ``accounts/sessions/hot_sql.py``.
"""

from datetime import UTC, datetime

from django.apps import apps
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest


class RevocationEpochQuerySet(models.QuerySet):
    def unsettled(self) -> "RevocationEpochQuerySet":
        """Return the epochs the session rule reads: those whose revocation is not in the sessions' rows yet."""
        return self.filter(settled_at__isnull=True)


def _unsettled_epochs() -> "RevocationEpochQuerySet":
    """Return the revocation epochs the session rule reads (the model found by name: it sits above this module)."""
    return apps.get_model("accounts", "RevocationEpoch").objects.unsettled()


# What "the latest epoch" is when there is none: before every session, so that the
# comparisons with it stay plain ones (SQLite has no '-infinity').
NO_EPOCH = datetime(1, 1, 1, tzinfo=UTC)


def _latest_epoch():
    """Return the time of the latest unsettled epoch, or NO_EPOCH, as a scalar subquery (run once per statement)."""
    latest = _unsettled_epochs().order_by("-revoked_at").values("revoked_at")[:1]
    return Coalesce(Subquery(latest), Value(NO_EPOCH, output_field=models.DateTimeField()))


def _epochs_revoking(*, before: datetime | None = None, reason: str | None = None) -> RevocationEpochQuerySet:
    """Return the unsettled epochs that revoke the outer query's session: at or after its creation, while it was live.

    ``before``: only epochs before that moment. ``reason``: only the earliest of them, the one
    that says when and why, and only if it has that reason.
    """
    epochs = (
        _unsettled_epochs()
        .filter(revoked_at__gte=OuterRef("created_at"), revoked_at__lt=OuterRef("expires_at"))
        .filter(revoked_at__lt=OuterRef("absolute_expires_at"))
    )
    if before is not None:
        epochs = epochs.filter(revoked_at__lt=before)
    if reason is not None:
        earlier = _unsettled_epochs().filter(
            revoked_at__gte=OuterRef(OuterRef("created_at")), revoked_at__lt=OuterRef("revoked_at")
        )
        epochs = epochs.filter(~Exists(earlier), reason=reason)
    return epochs


class DeviceSessionQuerySet(models.QuerySet):
    """The one statement of when a session is live, and its complements.

    A session is *live* at ``now`` while it is not revoked, its refresh token has not expired
    (idle expiry, ``expires_at``), it is within its absolute lifetime, and no unsettled
    revocation epoch (RevocationEpoch: ``revoke_sessions --all``) came at or after its creation.
    An epoch counts whatever time ``now`` is: it refuses at once on every server, whatever that
    server's clock says.

    A session is *revoked* when its row says so, or when an unsettled epoch came at or after its
    creation while it was live (before ``expires_at`` and ``absolute_expires_at``): the earliest
    such epoch says when and why (``with_revocation()``, ``DeviceSession.revocation()``) until
    settling writes it into the row. A session that had expired before the epoch stays *expired*.
    Settling writes every session an epoch revoked before it marks the epoch settled, so the
    rule says the same of every session before and after.

    Rotation never sets ``expires_at`` past ``absolute_expires_at``, and every session is
    created before it expires, so "expired" needs one column (and one index). The hot-path SQL
    of ``accounts/sessions/hot_sql.py`` spells "live" out; a test proves that all of these agree on every state.
    """

    def live(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions that can be used at ``now``."""
        # The epoch as one comparison with a value computed once per statement: a count of
        # every live session (revoke_sessions --all) pays nothing per row for it.
        return self.filter(
            revoked_at__isnull=True,
            expires_at__gt=now,
            absolute_expires_at__gt=now,
            created_at__gt=_latest_epoch(),
        )

    def expired(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions not revoked but past their expiry at ``now`` (or at an epoch that followed them)."""
        # Neither revoked nor live: expired by now, or created before an epoch that came after
        # its expiry (a session is created before it expires, so that is "expired by the
        # latest epoch"). One range on the partial expires_at index, as without epochs.
        return self.filter(
            ~Exists(_epochs_revoking()),
            revoked_at__isnull=True,
            expires_at__lte=Greatest(Value(now, output_field=models.DateTimeField()), _latest_epoch()),
        )

    def revoked(
        self, *, before: datetime | None = None, reason: str | None = None
    ) -> "DeviceSessionQuerySet":
        """Return the sessions revoked by their own row or by an epoch (before ``before``, for ``reason``, if given).

        Builds the query after one look at the epochs: when none that matters is unsettled, the
        rows say everything and the query is one index range on ``revoked_at``, which an
        alternative "or an epoch revoked it" would keep the database from using.
        """
        by_row = Q(revoked_at__isnull=False)
        if before is not None:
            by_row &= Q(revoked_at__lt=before)
        if reason is not None:
            by_row &= Q(revoke_reason=reason)
        relevant = _unsettled_epochs()
        if before is not None:
            relevant = relevant.filter(revoked_at__lt=before)
        if reason is not None:
            relevant = relevant.filter(reason=reason)
        if not relevant.exists():
            return self.filter(by_row)
        by_epoch = Q(Exists(_epochs_revoking(before=before, reason=reason)), revoked_at__isnull=True)
        return self.filter(by_row | by_epoch)

    def unrevoked(self) -> "DeviceSessionQuerySet":
        """Return the sessions neither their row nor an epoch revoked (live or expired): those a revocation may mark."""
        return self.filter(~Exists(_epochs_revoking()), revoked_at__isnull=True)

    def ended(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions that cannot be used at ``now`` (revoked or expired)."""
        # Each branch matches an index: revoked_at, the partial one on unrevoked expires_at,
        # and created_at (every session an epoch ended was created at or before the latest).
        return self.filter(
            Q(revoked_at__isnull=False)
            | Q(revoked_at__isnull=True, expires_at__lte=now)
            | Q(revoked_at__isnull=True, created_at__lte=_latest_epoch())
        )

    def to_settle(self, epoch: models.Model) -> "DeviceSessionQuerySet":
        """Return the sessions ``epoch`` (a RevocationEpoch) revoked whose rows do not say so yet: settling writes it there."""
        return self.filter(
            revoked_at__isnull=True,
            created_at__lte=epoch.revoked_at,
            expires_at__gt=epoch.revoked_at,
            absolute_expires_at__gt=epoch.revoked_at,
        )

    def with_revocation(self) -> "DeviceSessionQuerySet":
        """Annotate each session with the first unsettled epoch at or after its creation (``epoch_at``, ``epoch_reason``).

        ``DeviceSession.revocation()`` and ``state_at()`` then need no query of their own: one
        for a list, not one per row. Only unrevoked rows look the epoch up (one index probe each).
        """
        first = first_epoch_since(OuterRef("created_at"))
        return self.annotate(
            epoch_at=Case(When(revoked_at__isnull=True, then=Subquery(first.values("revoked_at")[:1]))),
            epoch_reason=Case(When(revoked_at__isnull=True, then=Subquery(first.values("reason")[:1]))),
        )


def first_epoch_since(moment) -> RevocationEpochQuerySet:
    """Return the unsettled epochs at or after ``moment`` (a datetime or an OuterRef), earliest first."""
    return _unsettled_epochs().filter(revoked_at__gte=moment).order_by("revoked_at")
