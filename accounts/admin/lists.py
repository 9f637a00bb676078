"""The admin's changelist machinery: paginating, filtering, searching and confirming at millions of rows.

The ModelAdmin classes are in the modules beside this one; here are the pieces they share.
"""

import contextlib
import ipaddress
import json
import re
import uuid
from collections.abc import Callable
from functools import cached_property

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import OperationalError, connections
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from accounts.events import acting_as
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, SessionState, User
from accounts.sessions import selectors
from common import db
from common.client_text import show_unsafe

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
        capped = self._capped_count(queryset)
        if capped is not None and capped <= self.exact_count_limit:
            return capped
        return max(capped or 0, self._planner_estimate(connection, queryset))

    def _capped_count(self, queryset):
        """Count up to the limit within count_timeout_ms; return None when out of time."""
        try:
            with db.statement_timeout(self.count_timeout_ms / 1000, using=queryset.db):
                # Only the keys: no annotation (an epoch looked up per row) is worth counting.
                return queryset.order_by().values("pk")[: self.exact_count_limit + 1].count()
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


# Long enough for most addresses; a longer one loses the end of its local part, never its
# domain (the part that tells an operator whose it is), and shows whole on hover.
EMAIL_COLUMN_LENGTH = 26


def short_email(email, length=EMAIL_COLUMN_LENGTH):
    """Return ``email`` within ``length`` characters by cutting its local part, keeping the domain whole."""
    if len(email) <= length:
        return email
    local, at, domain = email.rpartition("@")
    if not at:
        return Truncator(email).chars(length)
    # At least a few characters of the local part, however long the domain.
    keep = max(length - len(domain) - 2, 4)
    return f"{local[:keep]}\N{HORIZONTAL ELLIPSIS}@{domain}"


def user_filter_link(user_id, email, changelist):
    """Return a link to ``changelist`` (a URL name) filtered by the user ``user_id``."""
    if user_id is None:
        return None
    short = short_email(email or "")
    return format_html('<a href="{}?user={}" title="{}">{}</a>', reverse(changelist), user_id, email, short)


def source_and_actor(source, actor_email):
    """Where an event came from (api, admin, command, system) and, below it, the admin's email when one acted."""
    if not actor_email:
        return source or "-"
    return format_html(
        '{}<br><span class="quiet" title="{}">{}</span>', source or "-", actor_email, short_email(actor_email)
    )


# At most this many users matched by a search term's email part go into the query as a list.
SEARCH_USERS_LISTED = 500


def search_q(term, *, ip_field, id_field, text_fields=()):
    """Return the condition of one search term, routed so that at scale it can use an index.

    An IP address matches ``ip_field`` exactly, a UUID ``id_field`` exactly, a term with
    an ``@`` part of the user's email (through the small user table), anything else part
    of the email or of the ``text_fields``.
    """
    try:
        ip = str(ipaddress.ip_address(term))
    except ValueError:
        pass
    else:
        # Exact; said a second time as "contains", the lookup a trigram index serves on
        # PostgreSQL (sessions: migration 0011), where the table has no B-tree on the address.
        return Q(**{ip_field: ip}) & Q(**{f"{ip_field}__contains": ip})
    try:
        return Q(**{id_field: uuid.UUID(term)})
    except ValueError:
        pass
    users = User.objects.filter(email__contains=term.lower()).values("pk")
    if "@" in term:
        return Q(user_id__in=users)
    if text_fields:
        # OR'd with a text field, a subquery leaves PostgreSQL no plan but a scan of every
        # session; a list of ids lets it combine the user index with the trigram index of the
        # text (migration 0011). The users are looked up first (a small table); when too many
        # match, the term is too common for any index to help, and the subquery stays.
        ids = list(users.values_list("pk", flat=True)[: SEARCH_USERS_LISTED + 1])
        if len(ids) <= SEARCH_USERS_LISTED:
            users = ids
    by_email = Q(user_id__in=users)
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
    """``2025-01-31 14:05`` in the current time zone (named by the column, see date_header), the full time on hover; "-" when empty.

    Kept on one line by accounts/static/accounts/admin.css.
    """
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        date_format(local, "DATETIME_FORMAT"),
        local.strftime(COMPACT_DATE),
    )


def full_date(value):
    """A date as the admin's read-only fields show theirs (config/formats: seconds and time zone); "-" when empty.

    For the callables among a change page's fields, which Django shows with ``str()``: a
    raw timestamp, or "None".
    """
    if value is None:
        return "-"
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _with_time_zone(label):
    return f"{label} ({timezone.get_current_timezone_name()})"


# A date column's header, naming the time zone of its dates once rather than in every cell
# (four date columns of a row would not fit 1280 px with the zone in each).
date_header = lazy(_with_time_zone, str)


def ip_shown(ip):
    """An IP address that may break after its colons: an IPv6 one wraps rather than widen the list."""
    if not ip:
        return "-"
    parts = str(ip).split(":")
    return format_html_join(mark_safe(":<wbr>"), "{}", ((part,) for part in parts))


def truncated(text, length):
    """``text`` cut to ``length`` characters with an ellipsis, the whole of it on hover.

    Control, line-separator and bidi characters show as escapes (common.client_text): a cell
    holds text a client chose, which must not reorder or break what the admin reads.
    """
    if not text:
        return "-"
    text = show_unsafe(text)
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
                live = queryset.live(now)
                # live() compares created_at with the latest unsettled epoch computed inside the
                # statement, a value the planner cannot see. Given as a constant as well (the same
                # condition twice, so the same rows), it lets PostgreSQL walk created_at from the
                # epoch on, instead of every session an epoch has just revoked (a million after
                # revoke_sessions --all: docs/admin-at-scale.md).
                epochs = selectors.revocation_epochs_unsettled()  # earliest first
                return live.filter(created_at__gt=epochs[-1].revoked_at) if epochs else live
            case "expired":
                return queryset.expired(now)
            case "revoked":
                return queryset.revoked()
        return queryset


class RevokeReasonFilter(admin.SimpleListFilter):
    """The revoked sessions of one reason, by the session rule: those an epoch revoked included."""

    title = "revoke reason"
    parameter_name = "revoke_reason"

    def lookups(self, request, model_admin):
        return RevokeReason.choices

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.revoked(reason=self.value())


def session_state(session, now=None):
    """Return "active", "expired" or "revoked (<reason>)"."""
    state = session.state_at(now or timezone.now())
    if state == SessionState.REVOKED:
        return f"revoked ({session.revocation().reason_label or 'no reason'})"
    return "active" if state == SessionState.LIVE else "expired"


class SessionRevokeActionsMixin:
    """The permission to revoke (the permission to change sessions), and the bulk revocations' own time bound."""

    def has_revoke_permission(self, request):
        opts = DeviceSession._meta
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    def revoke_in_bulk(self, request, revoke: Callable[[], int]) -> None:
        """Run ``revoke()`` (it returns how many it revoked) as the admin, and tell them the outcome.

        One UPDATE of every selected session may outlast a request's DB_STATEMENT_TIMEOUT_SECONDS;
        it gets DB_ADMIN_STATEMENT_TIMEOUT_SECONDS instead. Past that it is undone, all of it,
        and the admin is told so, rather than shown an error page.
        """
        seconds = db.admin_bulk_timeout_seconds()
        bound = contextlib.nullcontext() if seconds is None else db.statement_timeout(seconds)
        try:
            with acting_as(request.user, "admin"), bound:
                count = revoke()
        except OperationalError as exc:
            if seconds is None or not db.statement_cancelled(exc):
                raise  # an outage, or a bound not ours: the 503 of common.middleware
            self.message_user(
                request,
                f"Revoking took longer than {seconds:g} s and was undone: no session was revoked. "
                "`manage.py revoke_sessions` revokes any number of sessions with no time limit.",
                messages.ERROR,
            )
            return
        self.message_user(request, f"Revoked {count} session(s).", messages.SUCCESS)


class EventSourceFilter(admin.SimpleListFilter):
    """The sources, listed without a SELECT DISTINCT over the whole log."""

    title = "source"
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return [(source, source) for source in ("api", "admin", "command", "system")]

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


class EventTypeFilter(admin.SimpleListFilter):
    """The events of one type; "Login from a new device" finds the logins flagged so.

    A login from a new device is one ``login`` (or ``passkey_login``) event with ``new_device`` in its detail; the
    ``new_device_login`` rows written before that (one beside each such login) are found too.
    The parameter is the one Django's own filter on ``type`` used, so older links still work.
    """

    title = "type"
    parameter_name = "type__exact"

    def lookups(self, request, model_admin):
        return SecurityEvent.Type.choices

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == SecurityEvent.Type.NEW_DEVICE_LOGIN:
            return queryset.filter(
                Q(type=SecurityEvent.Type.NEW_DEVICE_LOGIN)
                | Q(
                    type__in=(SecurityEvent.Type.LOGIN, SecurityEvent.Type.PASSKEY_LOGIN),
                    detail__new_device=True,
                )
            )
        return queryset.filter(type=value)


class EpochSettledFilter(admin.SimpleListFilter):
    """Epochs the session rule still reads (not settled yet), or those written into the rows."""

    title = "settled"
    parameter_name = "settled"

    def lookups(self, request, model_admin):
        return [("no", "Not yet"), ("yes", "Settled")]

    def queryset(self, request, queryset):
        match self.value():
            case "no":
                return queryset.filter(settled_at__isnull=True)
            case "yes":
                return queryset.filter(settled_at__isnull=False)
        return queryset


# --- Shared by the ModelAdmins -------------------------------------------------------------


class ReadOnlyAdminMixin:
    """No adding, changing or deleting from the admin: records written only by the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AdminStyleMixin:
    """The stylesheet that keeps the lists' dates and addresses readable at 1280 px (accounts/static/accounts/admin.css)."""

    class Media:
        css = {"all": ["accounts/admin.css"]}
