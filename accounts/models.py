"""The custom user, the per-device session, revocation epochs, security events, DPoP proof uses and passkeys."""

from datetime import datetime
from typing import NamedTuple

import uuid6
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models, router, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.querysets import DeviceSessionQuerySet, RevocationEpochQuerySet, first_epoch_since
from common.client_text import show_unsafe


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


class RevocationEpoch(models.Model):
    """Every session created at or before ``revoked_at`` and live then is revoked, at that moment, for ``reason``.

    ``revoke_sessions --all`` writes one of these instead of updating a million rows. While it
    is unsettled, the session rule (DeviceSessionQuerySet, and its SQL twin in
    accounts/sessions/hot_sql.py) reads it, so every process refuses those sessions once it is
    committed. Settling (``services.revocation_epochs_settle``, run by ``prune_sessions``) then
    writes ``revoked_at`` and ``reason`` into their rows, in short batches, and sets
    ``settled_at``: from then on the rows say it, and the rule no longer needs the epoch. Every
    read says the same before and after.
    """

    revoked_at = models.DateTimeField()
    reason = models.CharField(max_length=32, choices=RevokeReason.choices)
    settled_at = models.DateTimeField(
        null=True, blank=True, help_text="When every session it revoked had it written into its row."
    )

    objects = RevocationEpochQuerySet.as_manager()

    class Meta:
        verbose_name = "revocation of every session"
        verbose_name_plural = "revocations of every session"
        indexes = [
            # What the session rule probes on every refresh and authentication: usually empty.
            models.Index(
                fields=["revoked_at"], condition=Q(settled_at__isnull=True), name="epoch_unsettled_idx"
            ),
        ]

    def __str__(self):
        return f"every session at {self.revoked_at:%Y-%m-%d %H:%M:%S} ({self.reason})"


class Revocation(NamedTuple):
    """When and why a session was revoked."""

    at: datetime
    reason: str

    @property
    def reason_label(self) -> str:
        return RevokeReason(self.reason).label if self.reason in RevokeReason.values else self.reason


# What a device may call itself (API.md "Device names"); accounts.serializers.DeviceNameField checks it.
DEVICE_NAME_MAX_LENGTH = 100


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
    device_name = models.CharField(max_length=DEVICE_NAME_MAX_LENGTH, blank=True)
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
    # DPoP (accounts/dpop/): the RFC 7638 thumbprint of the key the session is bound to, or
    # NULL for a plain Bearer session. Its tokens carry the same value as cnf.jkt.
    dpop_jkt = models.CharField(  # noqa: DJ001 - NULL means "not bound", which "" would blur
        "DPoP key thumbprint",
        max_length=43,
        null=True,
        blank=True,
        help_text="Set when the session is bound to a client key (DPoP): its tokens need a proof.",
    )
    # When the user last proved who they are on this session (a password, a passkey, a
    # re-authentication) and how (RFC 8176 ``amr`` values, space-separated): every token of the
    # session carries both, a rotation included (accounts/sessions/hot_sql.py reads them back). NULL for
    # sessions opened before these were recorded: their tokens never count as recent.
    auth_time = models.DateTimeField(null=True, blank=True)
    amr = models.CharField("authentication methods", max_length=64, blank=True)

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
        # The admin puts this beside its own words (titles, confirmations): a bidi override or a
        # line break stored in a name must show as an escape, not reorder or split the page.
        return f"{show_unsafe(self.device_name) or 'session'} ({self.pk})"

    def refresh_from_db(self, *args, **kwargs):
        # The epoch looked up for the old row would otherwise outlive it.
        for name in _EPOCH_ATTRIBUTES:
            self.__dict__.pop(name, None)
        super().refresh_from_db(*args, **kwargs)

    def _first_epoch(self) -> tuple[datetime | None, str | None]:
        """Return the time and reason of the first unsettled epoch at or after the session's creation.

        From ``with_revocation()``'s annotations, else one query, remembered until ``refresh_from_db()``.
        """
        if "epoch_at" not in self.__dict__:
            found = first_epoch_since(self.created_at).values_list("revoked_at", "reason").first()
            self.epoch_at, self.epoch_reason = found or (None, None)
        return self.epoch_at, self.epoch_reason

    def revocation(self) -> Revocation | None:
        """Return when and why the session was revoked (by its row, else by the earliest epoch after its creation), or None."""
        if self.revoked_at is not None:
            return Revocation(self.revoked_at, self.revoke_reason)
        epoch_at, reason = self._first_epoch()
        # The first epoch after creation revokes the session if it was live then; no later one
        # can revoke a session that had already expired.
        if epoch_at is not None and epoch_at < self.expires_at and epoch_at < self.absolute_expires_at:
            return Revocation(epoch_at, reason)
        return None

    def end_reason_at(self, now: datetime) -> str | None:
        """Return why the session cannot be used at ``now`` (a RevokeReason or "session_expired"), or None."""
        state = self.state_at(now)
        if state == SessionState.REVOKED:
            return self.revocation().reason or "revoked"
        if state == SessionState.EXPIRED:
            return "session_expired"
        return None

    def state_at(self, now: datetime) -> SessionState:
        """Return the session's state at ``now``, by the rule of ``DeviceSessionQuerySet``."""
        if self.revocation() is not None:
            return SessionState.REVOKED
        if self.expires_at > now and self.absolute_expires_at > now and self._first_epoch()[0] is None:
            return SessionState.LIVE
        return SessionState.EXPIRED


_EPOCH_ATTRIBUTES = ("epoch_at", "epoch_reason")


class SecurityEvent(models.Model):
    """What happened to whose account, from where and by whom: the admins' audit trail."""

    class Type(models.TextChoices):
        LOGIN = "login", "Login"
        LOGIN_FAILED = "login_failed", "Failed login"
        REFRESH_REUSE = "refresh_reuse", "Refresh token reuse"
        REFRESH_GRACE = "refresh_grace", "Refresh retried within the grace window"
        SESSION_REVOKED = "session_revoked", "Session revoked"
        REUSE_NOTIFIED = "reuse_notified", "User told of reuse by mail"
        # No longer written: a login from a new device is one LOGIN event with "new_device" in its
        # detail. Kept for the rows written before, and as the admin filter that finds both.
        NEW_DEVICE_LOGIN = "new_device_login", "Login from a new device"
        PASSWORD_RESET_REQUESTED = "password_reset_requested", "Password reset requested"
        PASSWORD_RESET_COMPLETED = "password_reset_completed", "Password reset completed"
        PASSKEY_LOGIN = "passkey_login", "Login with a passkey"
        PASSKEY_ADDED = "passkey_added", "Passkey added"
        PASSKEY_REMOVED = "passkey_removed", "Passkey removed"
        REAUTHENTICATED = "reauthenticated", "Re-authenticated"
        ACCOUNT_DELETED = "account_deleted", "Account deleted"

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
    """A DPoP proof already used: the database side of the replay check (accounts/dpop/replay.py)."""

    # sha256 of the key's thumbprint and the proof's jti, hex: never the client's text as is.
    key = models.CharField(max_length=64, primary_key=True)
    expires_at = models.DateTimeField(help_text="After this, no proof with this jti can be valid.")

    class Meta:
        verbose_name = "DPoP proof use"
        indexes = [models.Index(fields=["expires_at"], name="dpop_use_expires_idx")]

    def __str__(self):
        return self.key


# --- Passkeys (accounts/passkeys/) --------------------------------------------------------------

PASSKEY_NAME_MAX_LENGTH = 100


class PasskeyUserHandle(models.Model):
    """The WebAuthn user handle of a user: random, stable, and telling nothing about them."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="+")
    handle = models.BinaryField(max_length=64, unique=True)

    def __str__(self):
        return f"user handle of {self.user_id}"


class Passkey(models.Model):
    """A WebAuthn credential a user registered: what verifying its assertions needs, and its history."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField(help_text="COSE_Key, as the authenticator gave it.")
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    backup_eligible = models.BooleanField(default=False)
    backed_up = models.BooleanField(default=False)
    aaguid = models.CharField("AAGUID", max_length=36, blank=True)
    name = models.CharField(max_length=PASSKEY_NAME_MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="passkey_user_idx")]

    def __str__(self):
        return show_unsafe(self.name) or "passkey"


class WebAuthnChallenge(models.Model):
    """A challenge handed out with a ceremony's options: used at most once, before ``expires_at``.

    Stored by the SHA-256 of the challenge, which is how a response finds it (the challenge is
    in its clientDataJSON): every server process sees it, and one DELETE consumes it.
    """

    class Ceremony(models.TextChoices):
        REGISTRATION = "registration", "Registration"
        AUTHENTICATION = "authentication", "Authentication"

    digest = models.CharField(max_length=64, primary_key=True)
    ceremony = models.CharField(max_length=16, choices=Ceremony.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = "WebAuthn challenge"
        indexes = [models.Index(fields=["expires_at"], name="webauthn_challenge_expires_idx")]

    def __str__(self):
        return f"{self.ceremony} challenge until {self.expires_at:%Y-%m-%d %H:%M:%S}"
