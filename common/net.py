"""Facts about the HTTP client of a request."""

import ipaddress

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


def user_agent(request):
    """Return the request's User-Agent, cut to what the database keeps."""
    return request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_LENGTH]
