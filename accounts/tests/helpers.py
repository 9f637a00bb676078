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


def claims(token):
    """Return the verified payload of one of our tokens."""
    return jwt.decode(token, settings.SIMPLE_JWT["SIGNING_KEY"], algorithms=["HS256"])


def sign(payload, key=None, algorithm="HS256"):
    """Sign ``payload`` as our server would, or with another key or algorithm."""
    return jwt.encode(payload, key or settings.SIMPLE_JWT["SIGNING_KEY"], algorithm=algorithm)
