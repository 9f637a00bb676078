"""The revocation epochs' admin: when everybody's sessions were revoked, why, by whom, settled or not."""

from django.contrib import admin

from accounts.admin.lists import (
    AdminStyleMixin,
    EpochSettledFilter,
    ReadOnlyAdminMixin,
    compact_date,
    date_header,
    source_and_actor,
)
from accounts.models import RevocationEpoch
from accounts.sessions import selectors


@admin.register(RevocationEpoch)
class RevocationEpochAdmin(ReadOnlyAdminMixin, AdminStyleMixin, admin.ModelAdmin):
    """The revocations of every session (``revoke_sessions --all``): when, why, by whom, settled or not.

    Read-only: an epoch is written by accounts.sessions.revocation and settled by ``prune_sessions``;
    editing or deleting one would change which sessions count as revoked.
    """

    list_display = ("when", "reason", "by", "criterion", "sessions", "settled")
    list_display_links = ("when",)
    list_filter = (EpochSettledFilter, "reason")
    ordering = ("-revoked_at", "-pk")
    fields = ("revoked_at", "reason", "by", "criterion", "sessions", "settled_at")
    readonly_fields = fields
    list_per_page = 50

    def get_queryset(self, request):
        return selectors.revocation_epochs_with_event()

    @admin.display(description=date_header("when"), ordering="revoked_at")
    def when(self, epoch):
        return compact_date(epoch.revoked_at)

    @admin.display(description="by")
    def by(self, epoch):
        """Where it came from (command, admin, api), and the admin's email when one did it."""
        # No source: no event found (pruned with the security log after its retention).
        return source_and_actor(epoch.event_source, epoch.event_actor)

    @admin.display(description="criterion")
    def criterion(self, epoch):
        return epoch.event_criterion or "-"

    @admin.display(description="sessions revoked")
    def sessions(self, epoch):
        return "-" if epoch.event_count is None else epoch.event_count

    @admin.display(description=date_header("settled"), ordering="settled_at")
    def settled(self, epoch):
        """When prune_sessions wrote it into the sessions' rows, or "not yet" (the session rule still reads it)."""
        if epoch.settled_at is None:
            return "not yet"
        return compact_date(epoch.settled_at)
