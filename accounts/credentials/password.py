"""Changing a password: every session is revoked, and this device gets a new one."""

from django.db import transaction

from accounts.events import acting_as
from accounts.models import DeviceSession, User
from accounts.sessions.opening import IssuedTokens, SessionClient, session_create, user_lock


class PasswordChanged(Exception):
    """The password changed after it was checked: nothing may be opened or changed on the strength of it."""


def user_change_password(
    *,
    user: User,
    new_password: str,
    session_id: str,
    client: SessionClient,
    device_name: str = "",
) -> "IssuedTokens":
    """Set a new password, which revokes every session, then open a new one for this device.

    The new session is called ``device_name``, or when that is empty what the old one was called.
    ``user.password`` is the hash the current password was checked against: when another
    change (a reset, the admin) committed since, raise PasswordChanged and change nothing,
    rather than overwrite it on the strength of the password it replaced.
    """
    checked = user.password
    device_name = device_name or (
        DeviceSession.objects.filter(pk=session_id, user=user).values_list("device_name", flat=True).first()
        or ""
    )
    with acting_as(user, "api"), transaction.atomic():
        if user_lock(user_id=user.pk) != checked:
            raise PasswordChanged
        user.set_password(new_password)
        user.save()  # The post_save receiver revokes every session of the user.
        return session_create(user=user, device_name=device_name, client=client, user_locked=True)
