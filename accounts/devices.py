"""A readable device name from a User-Agent, for clients that send none of their own."""

import re

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
    """Return e.g. "Firefox on Linux", or "Unknown device" when nothing is recognised."""
    browser = _first_match(_BROWSERS, user_agent)
    system = _first_match(_SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"


def _first_match(patterns, text):
    return next((name for name, pattern in patterns if re.search(pattern, text or "")), None)
