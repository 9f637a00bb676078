"""The custom user, the per-device session and the security event log."""

from datetime import datetime

import uuid6
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """Return the email lower-cased as a whole: it is the case-insensitive login."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("A superuser must have is_staff=True and is_superuser=True.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A user who logs in with an email address, compared without regard to case."""

    email = models.EmailField("email address", unique=True)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Can log into the admin site.")
    is_active = models.BooleanField(
        default=True, help_text="Unticking this revokes every session of the user."
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        constraints = [
            # Emails are stored lower-cased, so the plain unique index on email is a
            # case-insensitive one and lookups by email can use it.
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
        ]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = UserManager.normalize_email(self.email)

    def save(self, *args, **kwargs):
        self.email = UserManager.normalize_email(self.email)
        # One transaction with the post_save receivers (accounts.signals): a password change or
        # a deactivation commits together with the revocation of the user's sessions, or not at all.
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(type(self), instance=self)):
            super().save(*args, **kwargs)

    def set_unusable_password(self):
        super().set_unusable_password()
        # Disabling password login is a credential change like any other.
        self._password_disabled = True

    def set_password_from_reset(self, raw_password):
        """Set the password as a reset link does: the revocation it causes says ``password_reset``."""
        self.set_password(raw_password)
        self._password_reset = True

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name


class RevokeReason(models.TextChoices):
    LOGOUT = "logout", "Logged out"
    LOGOUT_ALL = "logout_all", "Logged out everywhere"
    SESSION_DELETED = "session_deleted", "Revoked by the user"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    REUSE_DETECTED = "reuse_detected", "Refresh token reuse detected"
    USER_DEACTIVATED = "user_deactivated", "User deactivated"
    ADMIN = "admin", "Revoked by an admin"
    COMMAND = "command", "Revoked by a management command"
    LOGOUT_OTHERS = "logout_others", "Logged out on every other device"
    SESSION_LIMIT = "session_limit", "Evicted: too many sessions"
    PASSWORD_RESET = "password_reset", "Password reset"


class SessionState(models.TextChoices):
    LIVE = "live", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class DeviceSessionQuerySet(models.QuerySet):
    """The one statement of when a session is live, and its complements.

    A session is *live* at ``now`` while it is not revoked, its refresh token has not expired
    (idle expiry, ``expires_at``) and it is within its absolute lifetime. Rotation never sets
    ``expires_at`` past ``absolute_expires_at``, so "expired" needs one column (and one index).
    The hot-path SQL of ``accounts/hot_sql.py`` spells the same condition out; a test proves
    that both agree on every state.
    """

    def live(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions that can be used at ``now``."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, absolute_expires_at__gt=now)

    def expired(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions not revoked but past their expiry at ``now``."""
        return self.filter(revoked_at__isnull=True, expires_at__lte=now)

    def revoked(self) -> "DeviceSessionQuerySet":
        return self.filter(revoked_at__isnull=False)

    def ended(self, now: datetime) -> "DeviceSessionQuerySet":
        """Return the sessions that cannot be used at ``now`` (revoked or expired)."""
        # Each branch matches an index: revoked_at, and the partial one on unrevoked expires_at.
        return self.filter(Q(revoked_at__isnull=False) | Q(revoked_at__isnull=True, expires_at__lte=now))


class DeviceSession(models.Model):
    """One login on one device: the family of refresh tokens that rotation chains together.

    Only the ``jti`` of the live refresh token is stored, never the token. The previous
    ``jti`` and the time of the last rotation serve the reuse grace window.
    """

    # Time-ordered (UUIDv7): rows are written, and revoked in bulk, in about the order of
    # their ids, so bulk revocations add their primary-key entries to neighbouring index
    # pages instead of random ones (docs/admin-at-scale.md has the measurements). The 74
    # random bits keep ids unguessable; the creation time they carry is no secret (the
    # sessions list shows it).
    id = models.UUIDField(primary_key=True, default=uuid6.uuid7, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="device_sessions")
    device_name = models.CharField(max_length=100, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    refresh_jti = models.CharField(max_length=64)
    previous_jti = models.CharField(max_length=64, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(help_text="When the live refresh token expires (idle expiry).")
    absolute_expires_at = models.DateTimeField(help_text="The cap no rotation can extend.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)
    # DPoP (accounts/dpop.py): the RFC 7638 thumbprint of the key the session is bound to, or
    # NULL for a plain Bearer session. Its tokens carry the same value as cnf.jkt.
    dpop_jkt = models.CharField(  # noqa: DJ001 - NULL means "not bound", which "" would blur
        "DPoP key thumbprint",
        max_length=43,
        null=True,
        blank=True,
        help_text="Set when the session is bound to a client key (DPoP): its tokens need a proof.",
    )

    objects = DeviceSessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session"
        indexes = [
            # A user's live sessions: the sessions list and revoking all of a user.
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(revoked_at__isnull=True),
                name="session_user_active_idx",
            ),
            models.Index(fields=["-created_at"], name="session_created_idx"),
            # Partial, like the one above: revoking a row then adds no entry to them, which
            # makes bulk revocations much cheaper (docs/admin-at-scale.md). Their queries
            # (inactive and expired sessions) only ever look for unrevoked ones.
            models.Index(
                fields=["last_used_at"],
                condition=Q(revoked_at__isnull=True),
                name="session_live_last_used_idx",
            ),
            models.Index(
                fields=["expires_at"], condition=Q(revoked_at__isnull=True), name="session_live_expires_idx"
            ),
            models.Index(fields=["revoked_at"], name="session_revoked_idx"),
        ]

    def __str__(self):
        return f"{self.device_name or 'session'} ({self.pk})"

    def end_reason_at(self, now: datetime) -> str | None:
        """Return why the session cannot be used at ``now`` (a RevokeReason or "session_expired"), or None."""
        state = self.state_at(now)
        if state == SessionState.REVOKED:
            return self.revoke_reason or "revoked"
        if state == SessionState.EXPIRED:
            return "session_expired"
        return None

    def state_at(self, now: datetime) -> SessionState:
        """Return the session's state at ``now``, by the rule of ``DeviceSessionQuerySet``."""
        if self.revoked_at is not None:
            return SessionState.REVOKED
        if self.expires_at > now and self.absolute_expires_at > now:
            return SessionState.LIVE
        return SessionState.EXPIRED


class SecurityEvent(models.Model):
    """What happened to whose account, from where and by whom: the admins' audit trail."""

    class Type(models.TextChoices):
        LOGIN = "login", "Login"
        LOGIN_FAILED = "login_failed", "Failed login"
        REFRESH_REUSE = "refresh_reuse", "Refresh token reuse"
        REFRESH_GRACE = "refresh_grace", "Refresh retried within the grace window"
        SESSION_REVOKED = "session_revoked", "Session revoked"
        REUSE_NOTIFIED = "reuse_notified", "User told of reuse by mail"
        NEW_DEVICE_LOGIN = "new_device_login", "Login from a new device"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET_COMPLETED = "password_reset_completed", "Password reset completed"

    type = models.CharField(max_length=32, choices=Type.choices)
    created_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="security_events"
    )
    # A plain id, not a foreign key: sessions are pruned, their history stays.
    session_id = models.UUIDField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who did it, when not the user themself.",
    )
    source = models.CharField(max_length=16, blank=True, help_text="api, admin, command or system.")
    reason = models.CharField(max_length=32, choices=RevokeReason.choices, blank=True)
    count = models.PositiveIntegerField(default=1, help_text="Sessions concerned.")
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at"], name="event_created_idx"),
            models.Index(fields=["user", "-created_at"], name="event_user_idx"),
            models.Index(fields=["type", "-created_at"], name="event_type_idx"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} at {self.created_at:%Y-%m-%d %H:%M:%S}"


class DPoPProofUse(models.Model):
    """A DPoP proof already used: the database side of the replay check (accounts/dpop_replay.py)."""

    # sha256 of the key's thumbprint and the proof's jti, hex: never the client's text as is.
    key = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(help_text="After this, no proof with this jti can be valid.")

    class Meta:
        verbose_name = "DPoP proof use"
        indexes = [models.Index(fields=["expires_at"], name="dpop_use_expires_idx")]

    def __str__(self):
        return self.key
