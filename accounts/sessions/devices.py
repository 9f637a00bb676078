"""Device names (made from a User-Agent, the rule every name keeps, renaming) and logins from a new device."""

import re
from datetime import datetime, timedelta
from uuid import UUID

from django.utils import timezone

from accounts import notifications
from accounts.app_settings import app_settings
from accounts.models import DEVICE_NAME_MAX_LENGTH, DeviceSession, User
from common.client_text import strip_unsafe

# First match wins, so more specific names come before the ones they contain
# (Edge and Opera announce themselves as Chrome too; Chrome as Safari).
_BROWSERS = [
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
    ("curl", r"^curl/"),
    ("HTTPie", r"^HTTPie/"),
    ("Python", r"python-requests|python-httpx|aiohttp|Python-urllib"),
]
_SYSTEMS = [
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("Windows", r"Windows"),
    ("macOS", r"Macintosh|Mac OS X"),
    ("ChromeOS", r"CrOS"),
    ("Linux", r"Linux"),
]


def device_name_from_user_agent(user_agent):
    """Return e.g. "Firefox on Linux", or "Unknown device" when nothing is recognised.

    Whatever the patterns come to match, the name keeps the rule of a name a client gives.
    """
    browser = _first_match(_BROWSERS, user_agent)
    system = _first_match(_SYSTEMS, user_agent)
    if browser and system:
        return device_name_clean(f"{browser} on {system}")
    return device_name_clean(browser or system or "Unknown device")


def device_name_clean(name):
    """Return ``name`` without control, line-separator or bidi characters, cut to what a session keeps.

    The API refuses such names (400); this is for names it does not check: those made here, a
    caller other than the API, one copied from a session stored before the check.
    """
    return strip_unsafe(name)[:DEVICE_NAME_MAX_LENGTH]


def _first_match(patterns, text):
    return next((name for name, pattern in patterns if re.search(pattern, text or "")), None)


def session_rename(*, session_id: UUID | str, user_id: int, device_name: str) -> DeviceSession | None:
    """Rename the live session ``session_id`` of user ``user_id``; return it, or None when there is none."""
    renamed = (
        DeviceSession.objects.live(timezone.now())
        .filter(pk=session_id, user_id=user_id)
        .update(device_name=device_name_clean(device_name))
    )
    if not renamed:
        return None
    return DeviceSession.objects.filter(pk=session_id, user_id=user_id).first()


def device_is_new(*, user: User, user_agent: str, now: datetime | None = None) -> bool:
    """Return whether none of the user's sessions used in the last NEW_DEVICE_WINDOW_DAYS came from ``user_agent``.

    Ended sessions count too, as long as the table still holds them (``prune_sessions``).
    Always False with NEW_DEVICE_WINDOW_DAYS at 0 (the check is off).
    """
    days = app_settings.NEW_DEVICE_WINDOW_DAYS
    if not days:
        return False
    since = (now or timezone.now()) - timedelta(days=days)
    return not DeviceSession.objects.filter(
        user=user, user_agent=user_agent, last_used_at__gte=since
    ).exists()


def new_device_mail(*, session: DeviceSession) -> None:
    """Mail the user about a login from a new device after the commit (its ``login`` event says so too)."""
    notifications.mail_after_commit(
        name=notifications.NEW_DEVICE,
        user=session.user,
        context={
            "device": session.device_name,
            "user_agent": session.user_agent,
            "ip": session.ip_address,
            "time": session.created_at,
        },
    )
