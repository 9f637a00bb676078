"""Reads about passkeys."""

from django.db.models import QuerySet

from accounts.models import Passkey, PasskeyUserHandle, User


def passkey_list_for_user(*, user: User) -> QuerySet[Passkey]:
    """Return the user's passkeys, newest first."""
    return Passkey.objects.filter(user=user).order_by("-created_at", "-pk")


def passkey_get_by_credential_id(*, credential_id: bytes) -> Passkey | None:
    """Return the passkey with this credential id, with its user, or None."""
    return Passkey.objects.select_related("user").filter(credential_id=credential_id).first()


def user_handle_get(*, user: User) -> bytes | None:
    """Return the user's WebAuthn user handle, or None before their first passkey options."""
    handle = PasskeyUserHandle.objects.filter(user=user).values_list("handle", flat=True).first()
    return None if handle is None else bytes(handle)
