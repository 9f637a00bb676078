"""Receivers that turn account changes into session revocations through accounts.sessions.revocation."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.models import DeviceSession, RevokeReason, User
from accounts.sessions import session_cache
from accounts.sessions.revocation import sessions_revoke_of_users


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_sessions_on_credential_change")
def revoke_sessions_on_credential_change(sender, instance, created, raw=False, **kwargs):
    """Revoke every session of a user whose password changed or who was deactivated.

    ``_password`` is Django's own mark of a ``set_password()`` not yet saved: it is set on
    every path that changes a password (the API, the admin's form, ``changepassword``) and
    cleared by the silent rehash at login, which must not log anybody out.
    """
    if created or raw:
        return
    session_cache.forget_user(instance.pk)  # cached user fields (is_staff, names) may have changed
    reset = instance.__dict__.pop("_password_reset", False)  # set_password_from_reset()
    if instance._password is not None or instance.__dict__.pop("_password_disabled", False):
        reason = RevokeReason.PASSWORD_RESET if reset else RevokeReason.PASSWORD_CHANGED
        sessions_revoke_of_users(user_ids=[instance.pk], reason=reason)
    elif not instance.is_active:
        sessions_revoke_of_users(user_ids=[instance.pk], reason=RevokeReason.USER_DEACTIVATED)


@receiver(post_delete, sender=User, dispatch_uid="accounts.forget_deleted_user")
def forget_deleted_user(sender, instance, **kwargs):
    """Drop the cached state of a deleted user's sessions (their rows go with the user)."""
    session_cache.forget_user(instance.pk)


@receiver(post_delete, sender=DeviceSession, dispatch_uid="accounts.forget_deleted_session")
def forget_deleted_session(sender, instance, **kwargs):
    """Drop the cached state of a session deleted while it may still have been live."""
    session_cache.forget_user(instance.user_id)
