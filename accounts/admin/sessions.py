"""The device sessions' admin: a list usable at millions of rows, revocation through the services."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from accounts.admin.lists import (
    CONFIRMED,
    AdminStyleMixin,
    LargeTablePaginator,
    RevokeReasonFilter,
    ScalableListMixin,
    SessionRevokeActionsMixin,
    SessionStateFilter,
    UserListFilter,
    action_hidden_fields,
    compact_date,
    confirmation_page,
    date_header,
    full_date,
    ip_shown,
    session_state,
    truncated,
    user_filter_link,
)
from accounts.events import acting_as
from accounts.models import DeviceSession, RevokeReason
from accounts.sessions.revocation import session_revoke, sessions_revoke_matching
from common.client_text import show_unsafe
from common.net import client_ip

# Newest revocation first; rows with no revoked_at among revoked ones are those an unsettled
# epoch revoked, usually the newest revocation: first too, on every database (PostgreSQL's
# own order for DESC, and what scanning session_revoked_idx backwards gives).
NEWEST_REVOCATION_FIRST = F("revoked_at").desc(nulls_first=True)


class SessionChangeList(ChangeList):
    def get_ordering(self, request, queryset):
        ordering = super().get_ordering(request, queryset)
        # Without the primary key Django adds to break ties: a bulk revocation (or a settled
        # epoch) leaves up to millions of rows with one revoked_at, and breaking that tie sorts
        # them all before the first page. The index's own order (by row position) breaks it
        # instead, the same from one page to the next.
        if ordering[-1:] == ["-pk"] and all(each == NEWEST_REVOCATION_FIRST for each in ordering[:-1]):
            return [NEWEST_REVOCATION_FIRST]
        return ordering


@admin.register(DeviceSession)
class DeviceSessionAdmin(AdminStyleMixin, SessionRevokeActionsMixin, ScalableListMixin, admin.ModelAdmin):
    # Short headers, compact dates, a truncated device and the revocation's time in the state
    # column keep every column on a 1280 px screen beside the filters.
    list_display = (
        "created",
        "user_email",
        "device",
        "ip",
        "last_used",
        "expires",
        "state_and_revoked",
    )
    list_display_links = ("created",)
    list_select_related = ("user",)
    list_filter = (
        SessionStateFilter,
        RevokeReasonFilter,
        ("created_at", admin.DateFieldListFilter),
        ("last_used_at", admin.DateFieldListFilter),
        UserListFilter,
    )
    search_fields = ("user__email", "device_name", "ip_address")
    search_help_text = "An email or part of one, a device name, an exact IP address or a session id."
    search_q_options = {"ip_field": "ip_address", "id_field": "pk", "text_fields": ("device_name",)}
    ordering = ("-created_at",)
    # Revoked and expired sessions are mostly old: newest first by the time they ended
    # walks one index from its end, where newest by creation would walk past every live one.
    # The sessions of one revoke reason are revoked ones: the same order as "revoked".
    ordering_by_state = {"revoked": (NEWEST_REVOCATION_FIRST,), "expired": ("-expires_at",)}
    raw_id_fields = ("user",)
    actions = ["revoke_selected"]
    change_form_template = "admin/accounts/devicesession/change_form.html"
    fields = (
        "id",
        "user",
        "device_name_shown",
        "user_agent_shown",
        "ip_address",
        "created_at",
        "last_used_at",
        "rotated_at",
        "expires_at",
        "absolute_expires_at",
        "state",
        "revocation_time",
        "revocation_reason",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        # Lists and pages show a revocation by an epoch that is not in the row yet (one
        # subquery per row shown, not a query each).
        return super().get_queryset(request).with_revocation()

    def get_ordering(self, request):
        state = "revoked" if request.GET.get("revoke_reason") else request.GET.get("state")
        return self.ordering_by_state.get(state, self.ordering)

    def get_changelist(self, request, **kwargs):
        return SessionChangeList

    @admin.display(description="user")
    def user_email(self, session):
        return user_filter_link(
            session.user_id, session.user.email, "admin:accounts_devicesession_changelist"
        )

    @admin.display(description="state")
    def state(self, session):
        return session_state(session)

    @admin.display(description=date_header("state, revoked"), ordering="revoked_at")
    def state_and_revoked(self, session):
        """The list's state column: for a revoked session its reason and, below, when (the row's time or its epoch's)."""
        revocation = session.revocation()
        if revocation is None:
            return session_state(session)
        return format_html("{}<br>{}", session_state(session), compact_date(revocation.at))

    @admin.display(description=date_header("created"), ordering="created_at")
    def created(self, session):
        return compact_date(session.created_at)

    @admin.display(description="device", ordering="device_name")
    def device(self, session):
        """The device name, or else the start of the user agent (whole on hover)."""
        if session.device_name:
            return format_html(
                '<span title="{}">{}</span>',
                show_unsafe(session.user_agent or session.device_name),
                Truncator(show_unsafe(session.device_name)).chars(28),
            )
        return truncated(session.user_agent, 28)

    # The page shows what the client sent with its control and bidi characters as escapes.

    @admin.display(description="device name")
    def device_name_shown(self, session):
        return show_unsafe(session.device_name)

    @admin.display(description="user agent")
    def user_agent_shown(self, session):
        return show_unsafe(session.user_agent)

    @admin.display(description="ip address", ordering="ip_address")
    def ip(self, session):
        return ip_shown(session.ip_address)

    @admin.display(description=date_header("last used"), ordering="last_used_at")
    def last_used(self, session):
        return compact_date(session.last_used_at)

    @admin.display(description=date_header("expires"), ordering="expires_at")
    def expires(self, session):
        return compact_date(session.expires_at)

    # The page's "revoked at" and "revoke reason": the row's, or the epoch's that revoked it.

    @admin.display(description="revoked at")
    def revocation_time(self, session):
        revocation = session.revocation()
        return full_date(revocation.at if revocation else None)

    @admin.display(description="revoke reason")
    def revocation_reason(self, session):
        revocation = session.revocation()
        return (revocation.reason_label or "-") if revocation else "-"

    # --- Revoking one session from its own page ---------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        revoke = path(
            "<path:object_id>/revoke/",
            self.admin_site.admin_view(self.revoke_view),
            name=f"{opts.app_label}_{opts.model_name}_revoke",
        )
        return [revoke, *super().get_urls()]

    def revoke_view(self, request, object_id):
        """GET: ask; POST: revoke the session through accounts.sessions.revocation, then go back."""
        if not self.has_revoke_permission(request):
            raise PermissionDenied
        try:
            session = (
                DeviceSession.objects.with_revocation()
                .select_related("user")
                .filter(pk=unquote(object_id))
                .first()
            )
        except (ValueError, DjangoValidationError):
            session = None
        if session is None:
            raise Http404("No such session.")
        change_url = reverse("admin:accounts_devicesession_change", args=[session.pk])
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = ""
        if session.revocation() is not None:
            self.message_user(request, "This session was already revoked.", messages.WARNING)
            return HttpResponseRedirect(next_url or change_url)
        if request.method == "POST" and request.POST.get(CONFIRMED) == "yes":
            with acting_as(request.user, "admin"):
                revoked = session_revoke(
                    session_id=session.pk,
                    user_id=session.user_id,
                    reason=RevokeReason.ADMIN,
                    ip_address=client_ip(request),
                )
            if revoked:
                self.message_user(request, f"Revoked the session {session}.", messages.SUCCESS)
            else:
                self.message_user(request, "This session was already revoked.", messages.WARNING)
            return HttpResponseRedirect(next_url or change_url)
        return confirmation_page(
            request,
            self,
            title="Revoke this session?",
            count=1,
            objects=[session],
            action_data=[("next", next_url)] if next_url else [],
            question=f"{session.user.email} will be logged out on this device at once.",
        )

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_revoke"] = (
            obj is not None and obj.revocation() is None and self.has_revoke_permission(request)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # A session's page is read-only for everybody; the permission to change sessions
        # is the permission to revoke them from the list.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Revoked sessions stay for the record until prune_sessions deletes them.
        return False

    @admin.action(description="Revoke selected sessions", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        if request.POST.get(CONFIRMED) != "yes":
            across = request.POST.get("select_across") == "1"
            # "Select all" may match millions: the paginator's count never scans them all.
            count = LargeTablePaginator(queryset.live(timezone.now()), 1).count
            return confirmation_page(
                request,
                self,
                title="Revoke the selected sessions?",
                count=count,
                objects=[] if across else list(queryset.select_related("user")[:20]),
                action_data=action_hidden_fields(request),
                question=f"{count} live session(s) will be revoked: their devices are logged out at once.",
            )

        def revoke():
            if request.POST.get("select_across") == "1":
                # "Select all N": whatever the filters match, revoked in one UPDATE.
                return sessions_revoke_matching(
                    queryset=queryset,
                    reason=RevokeReason.ADMIN,
                    ip_address=client_ip(request),
                    criterion="admin_filter",
                    filters=request.GET.urlencode(),
                )
            # The ticked rows, as Django already narrowed the queryset to them. A session
            # never changes hands, so its users are known before the UPDATE.
            rows = list(queryset.values_list("pk", "user_id"))
            return sessions_revoke_matching(
                queryset=DeviceSession.objects.filter(pk__in=[pk for pk, _ in rows]),
                users=[user_id for _, user_id in rows],
                reason=RevokeReason.ADMIN,
                ip_address=client_ip(request),
                criterion="selected",
                session_ids=[str(pk) for pk, _ in rows],
            )

        self.revoke_in_bulk(request, revoke)
