"""The users' admin: their recent sessions inline, revoking them, passwords changed through the services."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin.forms import UserCreationForm, UserUpdateForm
from accounts.admin.lists import (
    CONFIRMED,
    AdminStyleMixin,
    LargeTablePaginator,
    ScalableListMixin,
    SessionRevokeActionsMixin,
    action_hidden_fields,
    compact_date,
    confirmation_page,
    date_header,
    ip_shown,
    truncated,
)
from accounts.events import acting_as
from accounts.models import DeviceSession, Passkey, RevokeReason, User
from accounts.passkeys import services as passkey_services
from accounts.sessions.revocation import sessions_revoke_of_users
from common.net import client_ip


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
    fields = ("device", "ip", "created", "last_used", "expires", "revoke")
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

    @admin.display(description="ip address")
    def ip(self, session):
        return ip_shown(session.ip_address)

    @admin.display(description=date_header("created"))
    def created(self, session):
        return compact_date(session.created_at)

    @admin.display(description=date_header("last used"))
    def last_used(self, session):
        return compact_date(session.last_used_at)

    @admin.display(description=date_header("expires"))
    def expires(self, session):
        return compact_date(session.expires_at)

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
class UserAdmin(AdminStyleMixin, SessionRevokeActionsMixin, ScalableListMixin, DjangoUserAdmin):
    form = UserUpdateForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name_shown", "last_name_shown", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    list_per_page = 100
    # The sessions come before the permissions: what an admin opens a user's page for is mostly
    # where they are logged in. The change form (admin/accounts/user/change_form.html) puts the
    # live-sessions inline right after the first SESSION_FIELDSETS fieldsets, not at the end.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Sessions", {"fields": ("sessions_links",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    change_form_template = "admin/accounts/user/change_form.html"
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )
    readonly_fields = ("sessions_links",)
    inlines = [DeviceSessionInline, PasskeyInline]
    actions = ["revoke_all_sessions"]

    def get_inlines(self, request, obj):
        # A user being added has no sessions yet.
        return self.inlines if obj is not None else []

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
            lambda: sessions_revoke_of_users(
                user_ids=queryset.values_list("pk", flat=True),
                reason=RevokeReason.ADMIN,
                ip_address=client_ip(request),
                criterion="admin_users",
            ),
        )

    # Saving a new password or unticking "active" revokes the user's sessions (the
    # post_save receiver does it): attribute those revocations to the admin.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with acting_as(request.user, "admin"):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        with acting_as(request.user, "admin"):
            return super().user_change_password(request, id, form_url)
