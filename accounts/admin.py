"""The admin: users, their device sessions and the security log, usable at millions of rows.

Admins revoke sessions, they never edit them: every revocation goes through
accounts.services, like the API's, so that it is recorded the same way and reaches the
shared session cache. Lists never count a whole table (see LargeTablePaginator) and never
load every user into a filter (see UserListFilter).
"""

import ipaddress
import json
import re
import uuid
from functools import cached_property

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db import OperationalError, connections, transaction
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from accounts import services
from accounts.forms import UserCreationForm, UserUpdateForm
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, SessionState, User
from common.net import client_ip

# --- Lists at scale -------------------------------------------------------------------------


class LargeTablePaginator(Paginator):
    """A paginator whose count never scans a large table.

    Up to ``exact_count_limit`` rows the count is exact, counted over at most that many
    rows. Past it, PostgreSQL's estimate stands in: its statistics (pg_class.reltuples)
    for an unfiltered list, the planner's row estimate for a filtered one. Other
    databases count exactly: they are for development, not for millions of rows.
    """

    exact_count_limit = 10_000
    # A filter that matches few rows scattered over the table (a rare search term) makes
    # even the capped count scan everything: on PostgreSQL it gets this long, then estimates.
    count_timeout_ms = 150

    @cached_property
    def count(self):
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return queryset.count()
        if not queryset.query.where:
            estimate = self._table_estimate(connection, queryset.model._meta.db_table)
            if estimate > self.exact_count_limit:
                return estimate
        capped = self._capped_count(connection, queryset)
        if capped is not None and capped <= self.exact_count_limit:
            return capped
        return max(capped or 0, self._planner_estimate(connection, queryset))

    def _capped_count(self, connection, queryset):
        """Count up to the limit within count_timeout_ms; return None when out of time."""
        try:
            with transaction.atomic(using=queryset.db):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT current_setting('statement_timeout'), "
                        "set_config('statement_timeout', %s, true)",
                        [str(self.count_timeout_ms)],
                    )
                    previous = cursor.fetchone()[0]
                count = queryset.order_by()[: self.exact_count_limit + 1].count()
                # SET LOCAL lasts until the outer transaction ends, if there is one.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
                return count
        except OperationalError:  # canceled by the timeout; the savepoint undid the setting
            return None

    @staticmethod
    def _table_estimate(connection, table):
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
            row = cursor.fetchone()
        # -1 (or 0) means never vacuumed nor analysed: no estimate.
        return row[0] if row else -1

    @staticmethod
    def _planner_estimate(connection, queryset):
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])


class UserListFilter(admin.SimpleListFilter):
    """Filter by one user without listing every user.

    The list's user column links here (``?user=<id>``); the filter then shows that user
    and "All" to clear it: one query for one email, whatever the number of users.
    """

    title = "user"
    parameter_name = "user"

    def lookups(self, request, model_admin):
        value = self.value()
        if value and _is_user_id(value):
            email = User.objects.filter(pk=value).values_list("email", flat=True).first()
            if email is not None:
                return [(value, email)]
        return []

    def has_output(self):
        # Applied whenever given, even for an unknown user: the list then is empty, not everything.
        return self.value() is not None

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not _is_user_id(value):
            return queryset.none()
        return queryset.filter(user_id=value)


def _is_user_id(value):
    # ASCII digits that fit a bigint: str.isdigit() also takes "²", and a longer number
    # would be a database error, not an empty list.
    return re.fullmatch(r"[0-9]{1,18}", value) is not None


def user_filter_link(user_id, email, changelist):
    """Return a link to ``changelist`` (a URL name) filtered by the user ``user_id``."""
    if user_id is None:
        return None
    return format_html('<a href="{}?user={}">{}</a>', reverse(changelist), user_id, email)


def search_q(term, *, ip_field, id_field, text_fields=()):
    """Return the condition of one search term, routed so that at scale it can use an index.

    An IP address matches ``ip_field`` exactly, a UUID ``id_field`` exactly, a term with
    an ``@`` part of the user's email (through the small user table), anything else part
    of the email or of the ``text_fields``.
    """
    try:
        return Q(**{ip_field: str(ipaddress.ip_address(term))})
    except ValueError:
        pass
    try:
        return Q(**{id_field: uuid.UUID(term)})
    except ValueError:
        pass
    by_email = Q(user_id__in=User.objects.filter(email__contains=term.lower()).values("pk"))
    if "@" in term:
        return by_email
    for field in text_fields:
        by_email |= Q(**{f"{field}__icontains": term})
    return by_email


class ScalableListMixin:
    """Settings shared by the lists that grow without bound."""

    paginator = LargeTablePaginator
    show_full_result_count = False
    list_per_page = 50
    list_max_show_all = 200

    search_q_options = {}

    def get_search_results(self, request, queryset, search_term):
        """Match every whitespace-separated term; never ask for DISTINCT (no join multiplies rows)."""
        for term in search_term.split()[:10]:
            queryset = queryset.filter(search_q(term, **self.search_q_options))
        return queryset, False


# --- Compact columns: a list must fit 1280 px without hiding what matters -------------------

COMPACT_DATE = "%Y-%m-%d %H:%M"


def compact_date(value):
    """``2025-01-31 14:05`` in the current time zone, the full ISO time on hover; "-" when empty."""
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>', value.isoformat(), local, local.strftime(COMPACT_DATE)
    )


def truncated(text, length):
    """``text`` cut to ``length`` characters with an ellipsis, the whole of it on hover."""
    if not text:
        return "-"
    short = Truncator(text).chars(length)
    if short == text:
        return text
    return format_html('<span title="{}">{}</span>', text, short)


def confirmation_page(request, model_admin, *, title, count, objects, action_data, question):
    """Render the page that asks before a revocation, as Django's delete action does."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.model._meta,
        "count": count,
        "objects": objects,
        "question": question,
        "action_data": action_data,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/accounts/revoke_confirmation.html", context)


def action_hidden_fields(request):
    """The POST fields of an admin action, so the confirmation page can send them again."""
    fields = [("action", request.POST.get("action", "")), ("index", request.POST.get("index", "0"))]
    if request.POST.get("select_across") == "1":
        fields.append(("select_across", "1"))
    fields += [
        (helpers.ACTION_CHECKBOX_NAME, pk) for pk in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
    ]
    return fields


CONFIRMED = "confirmed"


# --- Sessions -------------------------------------------------------------------------------


class SessionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        match self.value():
            case "active":
                return queryset.live(now)
            case "expired":
                return queryset.expired(now)
            case "revoked":
                return queryset.revoked()
        return queryset


def session_state(session, now=None):
    """Return "active", "expired" or "revoked (<reason>)"."""
    state = session.state_at(now or timezone.now())
    if state == SessionState.REVOKED:
        return f"revoked ({session.get_revoke_reason_display() or 'no reason'})"
    return "active" if state == SessionState.LIVE else "expired"


class SessionRevokeActionsMixin:
    """The permission to revoke: the permission to change sessions."""

    def has_revoke_permission(self, request):
        opts = DeviceSession._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


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
        "revoke_reason",
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
    ordering_by_state = {"revoked": ("-revoked_at",), "expired": ("-expires_at",)}
    raw_id_fields = ("user",)
    actions = ["revoke_selected"]
    change_form_template = "admin/accounts/devicesession/change_form.html"
    fields = (
        "id",
        "user",
        "device_name",
        "user_agent",
        "ip_address",
        "created_at",
        "last_used_at",
        "rotated_at",
        "expires_at",
        "absolute_expires_at",
        "revoked_at",
        "revoke_reason",
    )
    readonly_fields = fields

    def get_ordering(self, request):
        return self.ordering_by_state.get(request.GET.get("state"), self.ordering)

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
                session.user_agent or session.device_name,
                Truncator(session.device_name).chars(28),
            )
        return truncated(session.user_agent, 28)

    @admin.display(description="last used", ordering="last_used_at")
    def last_used(self, session):
        return compact_date(session.last_used_at)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, session):
        return compact_date(session.expires_at)

    @admin.display(description="revoked", ordering="revoked_at")
    def revoked(self, session):
        return compact_date(session.revoked_at)

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
            session = DeviceSession.objects.select_related("user").filter(pk=unquote(object_id)).first()
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
        if session.revoked_at is not None:
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
            obj is not None and obj.revoked_at is None and self.has_revoke_permission(request)
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
            count = LargeTablePaginator(queryset.filter(revoked_at__isnull=True), 1).count
            return confirmation_page(
                request,
                self,
                title="Revoke the selected sessions?",
                count=count,
                objects=[] if across else list(queryset.select_related("user")[:20]),
                action_data=action_hidden_fields(request),
                question=f"{count} live session(s) will be revoked: their devices are logged out at once.",
            )
        with services.acting_as(request.user, "admin"):
            if request.POST.get("select_across") == "1":
                # "Select all N": whatever the filters match, revoked in one UPDATE.
                count = services.sessions_revoke_matching(
                    queryset=queryset,
                    reason=RevokeReason.ADMIN,
                    ip_address=client_ip(request),
                    criterion="admin_filter",
                    filters=request.GET.urlencode(),
                )
            else:
                # The ticked rows, as Django already narrowed the queryset to them. A session
                # never changes hands, so its users are known before the UPDATE.
                rows = list(queryset.values_list("pk", "user_id"))
                count = services.sessions_revoke_matching(
                    queryset=DeviceSession.objects.filter(pk__in=[pk for pk, _ in rows]),
                    users=[user_id for _, user_id in rows],
                    reason=RevokeReason.ADMIN,
                    ip_address=client_ip(request),
                    criterion="selected",
                    session_ids=[str(pk) for pk, _ in rows],
                )
        self.message_user(request, f"Revoked {count} session(s).", messages.SUCCESS)


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
    fields = ("device_name", "ip_address", "created_at", "last_used_at", "expires_at", "revoke")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return DeviceSession.objects.live(timezone.now()).order_by("-created_at")

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


@admin.register(User)
class UserAdmin(SessionRevokeActionsMixin, ScalableListMixin, DjangoUserAdmin):
    form = UserUpdateForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active")
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
    inlines = [DeviceSessionInline]
    actions = ["revoke_all_sessions"]

    def get_search_results(self, request, queryset, search_term):
        # Users are far fewer than sessions: Django's own search is fine here.
        return admin.ModelAdmin.get_search_results(self, request, queryset, search_term)

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
        with services.acting_as(request.user, "admin"):
            count = services.sessions_revoke_of_users(
                user_ids=queryset.values_list("pk", flat=True),
                reason=RevokeReason.ADMIN,
                ip_address=client_ip(request),
                criterion="admin_users",
            )
        self.message_user(request, f"Revoked {count} session(s).", messages.SUCCESS)

    # Saving a new password or unticking "active" revokes the user's sessions (the
    # post_save receiver does it): attribute those revocations to the admin.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with services.acting_as(request.user, "admin"):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        with services.acting_as(request.user, "admin"):
            return super().user_change_password(request, id, form_url)


# --- Security events ------------------------------------------------------------------------


class EventSourceFilter(admin.SimpleListFilter):
    """The sources, listed without a SELECT DISTINCT over the whole log."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [(source, source) for source in ("api", "admin", "command", "system")]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


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
        "detail",
    )
    readonly_fields = fields

    @admin.display(description="when", ordering="created_at")
    def created(self, event):
        return compact_date(event.created_at)

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
