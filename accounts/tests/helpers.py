"""Small helpers for calling the auth API in tests."""

import jwt
from django.conf import settings

REFRESH_URL = "/api/auth/refresh/"
LOGOUT_URL = "/api/auth/logout/"
SESSIONS_URL = "/api/auth/sessions/"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def refresh(client, token):
    """POST the refresh endpoint with ``token`` as the Bearer credential."""
    return client.post(REFRESH_URL, **bearer(token))


def get_sessions(client, access):
    return client.get(SESSIONS_URL, **bearer(access))


def assert_dead(client, tokens):
    """Assert that neither token of a login or refresh response works any more."""
    assert refresh(client, tokens["refresh"]).status_code == 401
    assert get_sessions(client, tokens["access"]).status_code == 401


def assert_alive(client, tokens):
    assert get_sessions(client, tokens["access"]).status_code == 200


def claims(token):
    """Return the verified payload of one of our tokens."""
    return jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])


def sign(payload, key=None, algorithm="HS256"):
    """Sign ``payload`` as our server would, or with another key or algorithm."""
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)


def the_revocation_event(**expected):
    """Return the one revocation event, after checking that its attributes are ``expected``."""
    from accounts.models import SecurityEvent

    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert {name: getattr(event, name) for name in expected} == expected
    return event
