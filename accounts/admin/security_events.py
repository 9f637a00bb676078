"""The security log's admin: read-only, filtered without loading every user."""

import json

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder

from accounts.admin.lists import (
    EventSourceFilter,
    ScalableListMixin,
    UserListFilter,
    compact_date,
    truncated,
    user_filter_link,
)
from accounts.models import SecurityEvent
from common.client_text import show_unsafe


@admin.register(SecurityEvent)
class SecurityEventAdmin(ScalableListMixin, admin.ModelAdmin):
    list_display = (
        "created",
        "type",
        "reason",
        "user_email",
        "count",
        "session",
        "ip_address",
        "actor",
        "source",
    )
    list_display_links = ("created",)
    list_select_related = ("user", "actor")
    list_filter = (
        "type",
        "reason",
        EventSourceFilter,
        ("created_at", admin.DateFieldListFilter),
        UserListFilter,
    )
    search_fields = ("user__email", "ip_address", "session_id")
    search_help_text = "An email or part of one, an exact IP address or a session id."
    search_q_options = {"ip_field": "ip_address", "id_field": "session_id"}
    ordering = ("-created_at",)
    fields = (
        "created_at",
        "type",
        "reason",
        "count",
        "user",
        "session_id",
        "ip_address",
        "actor",
        "source",
        "detail_shown",
    )
    readonly_fields = fields

    @admin.display(description="when", ordering="created_at")
    def created(self, event):
        return compact_date(event.created_at)

    @admin.display(description="detail")
    def detail_shown(self, event):
        """The detail as JSON, with what a client chose in it (a device name, a typed email) inert."""
        return show_unsafe(json.dumps(event.detail, ensure_ascii=False, cls=DjangoJSONEncoder))

    @admin.display(description="session")
    def session(self, event):
        """The session id's first 8 characters (the whole id on hover)."""
        return truncated(str(event.session_id) if event.session_id else "", 9)

    @admin.display(description="user")
    def user_email(self, event):
        return user_filter_link(
            event.user_id,
            event.user.email if event.user else None,
            "admin:accounts_securityevent_changelist",
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The audit trail is pruned by prune_sessions after its retention, not by hand.
        return False
