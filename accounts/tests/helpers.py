"""Small helpers for calling the auth API and the management commands in tests, and for breaking Redis."""

import io

import jwt
from django.core.management import call_command

from accounts.keys import backend, keyring
from accounts.tests.factories import PASSWORD
from common import failsafe
from testing.servers import wait_until

REFRESH_URL = "/api/auth/refresh/"
LOGOUT_URL = "/api/auth/logout/"
SESSIONS_URL = "/api/auth/sessions/"
PASSWORD_CHANGE_URL = "/api/auth/password/change/"


def bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def refresh(client, token):
    """POST the refresh endpoint with ``token`` as the Bearer credential."""
    return client.post(REFRESH_URL, **bearer(token))


def get_sessions(client, access):
    return client.get(SESSIONS_URL, **bearer(access))


def change_password(client, access, new_password, current_password=PASSWORD):
    """POST the password change with ``access`` as the Bearer credential (the factories' password as the current one)."""
    return client.post(
        PASSWORD_CHANGE_URL,
        {"current_password": current_password, "new_password": new_password},
        format="json",
        **bearer(access),
    )


def assert_dead(client, tokens):
    """Assert that neither token of a login or refresh response works any more."""
    assert refresh(client, tokens["refresh"]).status_code == 401
    assert get_sessions(client, tokens["access"]).status_code == 401


def assert_alive(client, tokens):
    assert get_sessions(client, tokens["access"]).status_code == 200


def claims(token):
    """Return the verified payload of one of our tokens."""
    return backend.current().decode(token)


def sign(payload, key=None, algorithm=None, headers=None):
    """Sign ``payload`` as our server would (active key, its kid), or with another key or algorithm.

    The active key's ``kid`` is in the header unless ``headers`` says otherwise, so that a
    refusal is down to what the test changed, not to a missing kid.
    """
    active = keyring.current().active
    return jwt.encode(
        payload,
        active.signing_key if key is None else key,
        algorithm=algorithm or active.algorithm,
        headers={"kid": active.kid} if headers is None else headers,
    )


def the_revocation_event(**expected):
    """Return the one revocation event, after checking that its attributes are ``expected``."""
    from accounts.models import SecurityEvent

    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert {name: getattr(event, name) for name in expected} == expected
    return event


def run(*args):
    """Run a management command and return what it printed."""
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def trip_the_breaker(redis, fault="frozen"):
    """Make the private ``redis`` fail (``killed`` or ``frozen``) and open this process's breaker on it.

    The breaker opens on a call of its own, so that the write the test makes next is never sent:
    sent to a frozen server, it would wait in the socket buffer and land when the server thaws,
    and Redis would not have missed it after all.
    """
    {"killed": redis.kill, "frozen": redis.freeze}[fault]()
    assert failsafe.call(failsafe.redis_client(redis.url).ping) is failsafe.UNAVAILABLE
    assert failsafe.breaker.is_open


def breaker_allows():
    """Return once this process's breaker lets a call through to Redis again."""
    wait_until(failsafe.breaker.allows, 10, "the breaker to allow a call")
