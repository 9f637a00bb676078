"""Resetting a forgotten password: the mailed single-use link, and setting the new password with it."""

import contextlib

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode

from accounts import notifications
from accounts.app_settings import app_settings
from accounts.events import security_event_record
from accounts.models import RevokeReason, SecurityEvent, User
from accounts.sessions.devices import device_name_from_user_agent


class ResetLinkInvalid(Exception):
    """The password-reset link is unknown, used, expired, or its account cannot reset."""


# The web client's reset page, from the root of the origin that serves it (the client routes by hash).
PASSWORD_RESET_CLIENT_PAGE = "/#/reset-password"


def password_reset_request(*, email: str, user_agent: str, ip_address: str | None, origin: str) -> None:
    """Mail a single-use reset link to the active account of ``email``, if there is one.

    ``origin`` (scheme and host, as the request was validated against ALLOWED_HOSTS) is where
    the web client's reset page is when PASSWORD_RESET_URL is unset.

    The caller answers the same whatever happens here, and both paths do the same work (one
    lookup, one event, one rendered mail) but for handing the mail over, after the commit
    and off the request thread: neither the answer nor its timing tells whether the account exists.
    """
    email = User.objects.normalize_email(email)
    user = User.objects.filter(email=email).first()
    can_reset = user is not None and user.is_active and user.has_usable_password()
    recipient = user if can_reset else User(email=email, password="!")  # never saved
    now = timezone.now()
    context = {
        "link": password_reset_link(user=recipient, origin=origin),
        "ip": ip_address,
        "device": device_name_from_user_agent(user_agent),
        "time": now,
        "valid_for": _duration_words(app_settings.PASSWORD_RESET_TIMEOUT),
    }
    with transaction.atomic():
        security_event_record(
            type=SecurityEvent.Type.PASSWORD_RESET_REQUESTED,
            user_id=user.pk if user is not None else None,
            ip_address=ip_address,
            reason=RevokeReason.PASSWORD_RESET,
            mailed=can_reset,
            **({} if user is not None else {"email": email[:254]}),
        )
        if can_reset:
            notifications.mail_after_commit(
                name=notifications.PASSWORD_RESET, user=recipient, context=context
            )
        else:
            # The same rendering, thrown away; a template that fails is logged on the other path.
            with contextlib.suppress(Exception):
                notifications.mail_render(name=notifications.PASSWORD_RESET, user=recipient, context=context)


def password_reset_link(*, user: User, origin: str) -> str:
    """Return the reset page with the ``uid`` and single-use ``token`` of ``user`` in its fragment.

    The page is PASSWORD_RESET_URL, else the web client's (``<origin>/#/reset-password``). Both
    values go after the ``#``, which a browser never sends to a server (nor in a Referer): as
    ``#uid=...&token=...``, or as the query of a fragment the page already has (a hash-routed
    client's, such as ours).
    """
    secrets = urlencode(
        {
            "uid": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }
    )
    page = app_settings.PASSWORD_RESET_URL or f"{origin}{PASSWORD_RESET_CLIENT_PAGE}"
    fragment = page.partition("#")[2]
    if "#" not in page:
        separator = "#"
    elif not fragment or fragment.endswith(("?", "&")):
        separator = ""
    else:
        separator = "&" if "?" in fragment else "?"
    return f"{page}{separator}{secrets}"


def password_reset_user_check(*, uid: str, token: str, lock: bool = False) -> User | None:
    """Return the active user whose reset link ``uid`` and ``token`` are, while it is valid; else None.

    ``lock`` locks the user's row first (inside a transaction), so that of two uses of one
    link at the same moment only the first finds it valid.
    """
    try:
        pk = int(urlsafe_base64_decode(uid).decode("ascii"))
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    if not 0 < pk < 2**63:
        return None
    users = User.objects.select_for_update() if lock else User.objects
    user = users.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, uid: str, token: str, new_password: str, ip_address: str | None) -> User:
    """Set the password of the reset link's user, which revokes every session; raise ResetLinkInvalid.

    The new password changes what the token was made from, so the link stops working.
    """
    with transaction.atomic():
        user = password_reset_user_check(uid=uid, token=token, lock=True)
        if user is None:
            raise ResetLinkInvalid
        user.set_password_from_reset(new_password)
        user.save()  # The post_save receiver revokes every session of the user.
        security_event_record(
            type=SecurityEvent.Type.PASSWORD_RESET_COMPLETED,
            user_id=user.pk,
            ip_address=ip_address,
            reason=RevokeReason.PASSWORD_RESET,
        )
    return user


def _duration_words(seconds: int) -> str:
    """Return ``seconds`` in the largest whole unit, e.g. "1 hour", "90 minutes"."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} seconds"
