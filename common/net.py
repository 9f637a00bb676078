"""Facts about the HTTP client of a request."""

import ipaddress

from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

USER_AGENT_MAX_LENGTH = 512


def client_ip(request):
    """Return the client's IP address, or None when it is not a valid address.

    DRF's identification is reused so that recorded IPs and throttling agree: with
    ``NUM_PROXIES`` at 0 it is the socket's peer and ``X-Forwarded-For`` is ignored.
    """
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def trusted_proxies() -> int:
    """Return how many reverse proxies in front are trusted (``NUM_PROXIES``, as DRF reads it)."""
    return api_settings.NUM_PROXIES or 0


def forwarded_entry(value: str, proxies: int) -> str:
    """Return the entry of a comma-separated forwarded header that the outermost trusted proxy wrote.

    Each proxy appends to the list, so with ``proxies`` trusted ones that entry is the
    ``proxies``-th from the right (the leftmost when the list is shorter): the rule by which
    DRF picks the client's address from ``X-Forwarded-For``. The entries left of it are the
    client's own.
    """
    entries = value.split(",")
    return entries[-min(proxies, len(entries))].strip()


def user_agent(request):
    """Return the request's User-Agent, cut to what the database keeps."""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
