"""The admin: users, their device sessions and the security log, usable at millions of rows.

Admins revoke sessions, they never edit them: every revocation goes through
accounts.services, like the API's, so that it is recorded the same way and reaches the
shared session cache. Lists never count a whole table (see LargeTablePaginator) and never
load every user into a filter (see UserListFilter).
"""

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from accounts import services
from accounts.admin_lists import (
    CONFIRMED,
    EventSourceFilter,
    LargeTablePaginator,
    RevokeReasonFilter,
    ScalableListMixin,
    SessionRevokeActionsMixin,
    SessionStateFilter,
    UserListFilter,
    action_hidden_fields,
    compact_date,
    confirmation_page,
    session_state,
    truncated,
    user_filter_link,
)
from accounts.forms import UserCreationForm, UserUpdateForm
from accounts.models import DeviceSession, Passkey, RevokeReason, SecurityEvent, User
from accounts.passkeys import services as passkey_services
from common.client_text import show_unsafe
from common.net import client_ip

# The app list beside every page costs a list of sessions or events about a fifth of a 1280 px
# screen; the breadcrumbs and the home page lead to the same places.
admin.site.enable_nav_sidebar = False


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
class DeviceSessionAdmin(SessionRevokeActionsMixin, ScalableListMixin, admin.ModelAdmin):
    # Short headers, compact dates and a truncated device keep every column on a 1280 px screen.
    list_display = (
        "created",
        "user_email",
        "device",
        "ip_address",
        "last_used",
        "expires",
        "state",
        "revoked",
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

    @admin.display(description="created", ordering="created_at")
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

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, session):
        return compact_date(session.last_used_at)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, session):
        return compact_date(session.expires_at)

    @admin.display(description="revoked", ordering="revoked_at")
    def revoked(self, session):
        revocation = session.revocation()
        return compact_date(revocation.at if revocation else None)

    # The page's "revoked at" and "revoke reason": the row's, or the epoch's that revoked it.

    @admin.display(description="revoked at")
    def revocation_time(self, session):
        revocation = session.revocation()
        return revocation.at if revocation else None

    @admin.display(description="revoke reason")
    def revocation_reason(self, session):
        revocation = session.revocation()
        return revocation.reason_label if revocation else None

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
        """GET: ask; POST: revoke the session through accounts.services, then go back."""
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
            with services.acting_as(request.user, "admin"):
                revoked = services.session_revoke(
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
                return services.sessions_revoke_matching(
                    queryset=queryset,
                    reason=RevokeReason.ADMIN,
                    ip_address=client_ip(request),
                    criterion="admin_filter",
                    filters=request.GET.urlencode(),
                )
            # The ticked rows, as Django already narrowed the queryset to them. A session
            # never changes hands, so its users are known before the UPDATE.
            rows = list(queryset.values_list("pk", "user_id"))
            return services.sessions_revoke_matching(
                queryset=DeviceSession.objects.filter(pk__in=[pk for pk, _ in rows]),
                users=[user_id for _, user_id in rows],
                reason=RevokeReason.ADMIN,
                ip_address=client_ip(request),
                criterion="selected",
                session_ids=[str(pk) for pk, _ in rows],
            )

        self.revoke_in_bulk(request, revoke)


# --- Users ----------------------------------------------------------------------------------


class RecentSessionsFormSet(BaseInlineFormSet):
    """The user's most recent live sessions, never all of them."""

    max_shown = 20

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            self._queryset = super().get_queryset()[: self.max_shown]
        return self._queryset


class DeviceSessionInline(admin.TabularInline):
    model = DeviceSession
    formset = RecentSessionsFormSet
    verbose_name_plural = f"live sessions (the {RecentSessionsFormSet.max_shown} most recent)"
    fields = ("device", "ip_address", "created_at", "last_used_at", "expires_at", "revoke")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return DeviceSession.objects.live(timezone.now()).order_by("-created_at")

    @admin.display(description="device name")
    def device(self, session):
        return truncated(session.device_name, 40)

    @admin.display(description="revoke")
    def revoke(self, session):
        if session.pk is None:
            return "-"
        url = reverse("admin:accounts_devicesession_revoke", args=[session.pk])
        back = reverse("admin:accounts_user_change", args=[session.user_id])
        return format_html('<a class="button" href="{}?next={}">Revoke</a>', url, back)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PasskeyFormSet(BaseInlineFormSet):
    """Deletes through the passkey service, so that each removal is a ``passkey_removed`` event."""

    def delete_existing(self, obj, commit=True):
        if commit:
            # changeform_view's acting_as names the admin as the actor.
            passkey_services.passkey_delete(passkey_id=obj.pk)


class PasskeyInline(admin.TabularInline):
    """The user's passkeys: read-only, but for removing one."""

    model = Passkey
    formset = PasskeyFormSet
    fields = ("name_shown", "created_at", "last_used_at", "sign_count", "backup", "aaguid", "transports")
    readonly_fields = fields
    extra = 0
    max_num = 0
    ordering = ("-created_at",)

    @admin.display(description="name")
    def name_shown(self, passkey):
        return truncated(passkey.name, 40)

    @admin.display(description="backup")
    def backup(self, passkey):
        if not passkey.backup_eligible:
            return "device-bound"
        return "synced" if passkey.backed_up else "may sync"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(SessionRevokeActionsMixin, ScalableListMixin, DjangoUserAdmin):
    form = UserUpdateForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name_shown", "last_name_shown", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
        ("Sessions", {"fields": ("sessions_links",)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("sessions_links",)
    inlines = [DeviceSessionInline, PasskeyInline]
    actions = ["revoke_all_sessions"]

    def get_search_results(self, request, queryset, search_term):
        # Users are far fewer than sessions: Django's own search is fine here.
        return admin.ModelAdmin.get_search_results(self, request, queryset, search_term)

    # Names a user chose: cut (a long one would widen the list) with the escapes of ``truncated``.

    @admin.display(description="first name", ordering="first_name")
    def first_name_shown(self, user):
        return truncated(user.first_name, 40)

    @admin.display(description="last name", ordering="last_name")
    def last_name_shown(self, user):
        return truncated(user.last_name, 40)

    @admin.display(description="all sessions")
    def sessions_links(self, user):
        if user.pk is None:
            return "-"
        return format_html(
            '<a href="{0}?user={1}">Every session of this user</a> · '
            '<a href="{2}?user={1}">Security events of this user</a>',
            reverse("admin:accounts_devicesession_changelist"),
            user.pk,
            reverse("admin:accounts_securityevent_changelist"),
        )

    @admin.action(description="Revoke all sessions of selected users", permissions=["revoke"])
    def revoke_all_sessions(self, request, queryset):
        if request.POST.get(CONFIRMED) != "yes":
            count = LargeTablePaginator(
                DeviceSession.objects.live(timezone.now()).filter(user__in=queryset).order_by("pk"), 1
            ).count
            return confirmation_page(
                request,
                self,
                title="Revoke every session of the selected users?",
                count=count,
                objects=list(queryset[:20]),
                action_data=action_hidden_fields(request),
                question=f"{count} live session(s) of {queryset.count()} user(s) will be revoked: "
                "those users are logged out everywhere at once.",
            )
        self.revoke_in_bulk(
            request,
            lambda: services.sessions_revoke_of_users(
                user_ids=queryset.values_list("pk", flat=True),
                reason=RevokeReason.ADMIN,
                ip_address=client_ip(request),
                criterion="admin_users",
            ),
        )

    # Saving a new password or unticking "active" revokes the user's sessions (the
    # post_save receiver does it): attribute those revocations to the admin.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with services.acting_as(request.user, "admin"):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        with services.acting_as(request.user, "admin"):
            return super().user_change_password(request, id, form_url)


# --- Security events ------------------------------------------------------------------------


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
