"""The security log's admin: read-only, filtered without loading every user."""

import json

from django.contrib import admin
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html

from accounts.admin.lists import (
    AdminStyleMixin,
    EventSourceFilter,
    EventTypeFilter,
    ReadOnlyAdminMixin,
    ScalableListMixin,
    UserListFilter,
    compact_date,
    date_header,
    ip_shown,
    source_and_actor,
    truncated,
    user_filter_link,
)
from accounts.models import SecurityEvent
from common.client_text import show_unsafe


@admin.register(SecurityEvent)
class SecurityEventAdmin(ReadOnlyAdminMixin, AdminStyleMixin, ScalableListMixin, admin.ModelAdmin):
    # Read-only: the audit trail is pruned by prune_sessions after its retention, not by hand.

    # Seven columns, not nine, so the list fits 1280 px beside its filters: the reason under the
    # type, the admin under the source (both still filters of their own).
    list_display = (
        "created",
        "what",
        "user_email",
        "count",
        "session",
        "ip",
        "by",
    )
    list_display_links = ("created",)
    list_select_related = ("user", "actor")
    list_filter = (
        EventTypeFilter,
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

    @admin.display(description=date_header("when"), ordering="created_at")
    def created(self, event):
        return compact_date(event.created_at)

    @admin.display(description="event", ordering="type")
    def what(self, event):
        """The type, "(new device)" for a login from one, and the revocation's reason below it."""
        label = event.get_type_display()
        if event.type == SecurityEvent.Type.LOGIN and event.detail.get("new_device"):
            label = f"{label} (new device)"
        if not event.reason:
            return label
        return format_html('{}<br><span class="quiet">{}</span>', label, event.get_reason_display())

    @admin.display(description="ip address", ordering="ip_address")
    def ip(self, event):
        return ip_shown(event.ip_address)

    @admin.display(description="by", ordering="source")
    def by(self, event):
        """The source (api, admin, command, system), and the admin's email below it when not the user."""
        return source_and_actor(event.source, event.actor.email if event.actor_id else None)

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
