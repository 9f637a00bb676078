"""Redis failing under the API, for real: a private redis-server killed, frozen, restarted, restored.

Redis is an accelerator: every request still answers from the database without a 5xx or a
wait of more than a second, throttling holds per process, and a revocation that Redis missed
is refused once the state it cached is at most SESSION_CACHE_SECONDS old.
"""

import time

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import DeviceSession, User
from accounts.sessions import session_cache
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import (
    bearer,
    breaker_allows,
    change_password,
    get_sessions,
    refresh,
    trip_the_breaker,
)
from common import failsafe
from testing.servers import wait_until

pytestmark = pytest.mark.django_db

CACHE_SECONDS = 2
# One request may pay one Redis timeout (0.25 s) before the breaker opens; the rest is the app.
REQUEST_BUDGET_SECONDS = 1.0


@pytest.fixture
def redis(fresh_redis, settings):
    """Point the cache and the session state at the private server, started afresh and empty."""
    settings.REDIS_URL = fresh_redis.url
    settings.SESSION_STATE_REDIS_URL = fresh_redis.url
    settings.SESSION_STATE_CACHE = None
    settings.CACHES = {"default": {"BACKEND": "common.cache.FailSafeRedisCache", "LOCATION": fresh_redis.url}}
    settings.SESSION_CACHE_SECONDS = CACHE_SECONDS
    return fresh_redis


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def login(client, user, **extra):
    return client.post(
        "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json", **extra
    )


def todos(client, access):
    return client.get("/api/todos/", **bearer(access))


def refused_within_the_bound(request):
    """Return once ``request()`` answers 401; fail if it still answers 200 past SESSION_CACHE_SECONDS."""

    def refused():
        status = request().status_code
        assert status in (200, 401), status
        return status == 401

    wait_until(refused, CACHE_SECONDS + 0.5, "refused within SESSION_CACHE_SECONDS")


def every_endpoint(api_client, user):
    """Exercise each kind of endpoint; return [(name, status, seconds)]."""
    results = []
    response, took = timed(lambda: login(api_client, user))
    results.append(("login", response.status_code, took))
    tokens = response.json()
    for name, call in [
        ("todos", lambda: todos(api_client, tokens["access"])),
        ("create todo", lambda: api_client.post("/api/todos/", {"title": "t"}, format="json", **bearer(tokens["access"]))),
        ("sessions", lambda: get_sessions(api_client, tokens["access"])),
        ("refresh", lambda: refresh(api_client, tokens["refresh"])),
        ("health", lambda: api_client.get("/api/health/")),
        (
            "register",
            lambda: api_client.post(
                "/api/auth/register/", {"email": f"r{time.monotonic_ns()}@example.com", "password": PASSWORD}, format="json"
            ),
        ),
    ]:  # fmt: skip
        response, took = timed(call)
        results.append((name, response.status_code, took))
    password = timed(lambda: change_password(api_client, tokens["access"], "another-Passw0rd-ok"))
    results.append(("password change", password[0].status_code, password[1]))
    new_access = password[0].json()["access"]
    response, took = timed(lambda: api_client.post("/api/auth/logout/", **bearer(new_access)))
    results.append(("logout", response.status_code, took))
    return results


EXPECTED = {
    "login": 200,
    "todos": 200,
    "create todo": 201,
    "sessions": 200,
    "refresh": 200,
    "health": 200,
    "register": 201,
    "password change": 200,
    "logout": 204,
}


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_every_endpoint_answers_from_the_database_while_redis_fails(api_client, user, redis, fault, settings):
    settings.AUTH_THROTTLE_RATE = "100/min"
    {"killed": redis.kill, "frozen": redis.freeze}[fault]()

    started = time.monotonic()
    results = every_endpoint(api_client, user)
    total = time.monotonic() - started

    assert {name: status for name, status, _ in results} == EXPECTED
    slowest = max(results, key=lambda result: result[2])
    assert slowest[2] < REQUEST_BUDGET_SECONDS, slowest
    # The breaker spares the later requests the timeout: far less than a timeout per call.
    assert total < 0.25 * len(results), results
    health = api_client.get("/api/health/").json()
    assert health == {"status": "degraded", "database": "ok", "redis": "unavailable"}


def test_service_comes_back_by_itself_when_redis_returns(api_client, user, redis):
    tokens = login(api_client, user).json()
    redis.freeze()
    assert todos(api_client, tokens["access"]).status_code == 200
    assert failsafe.breaker.is_open
    redis.thaw()
    breaker_allows()

    assert api_client.get("/api/health/").json()["status"] == "ok"
    assert todos(api_client, tokens["access"]).status_code == 200  # fills the cache again
    # The session check is served from Redis again: only the todos' own queries remain.
    with CaptureQueriesContext(connection) as queries:
        assert todos(api_client, tokens["access"]).status_code == 200
    assert not [q for q in queries.captured_queries if DeviceSession._meta.db_table in q["sql"]]


def test_throttling_holds_per_process_while_redis_is_down(api_client, user, redis, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    redis.kill()
    statuses = [login(api_client, user).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.parametrize("how", ["api", "set_password", "deactivate"])
def test_password_change_while_redis_is_unreachable_still_revokes(api_client, user, redis, how, settings):
    # Long enough that the stale entry outlives the test: only the replay of the missed
    # invalidation can make this process refuse once Redis is back.
    settings.SESSION_CACHE_SECONDS = 30
    settings.REDIS_RETRY_SECONDS = 1  # the breaker stays open through the revocation
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200  # cached in Redis
    trip_the_breaker(redis, "frozen")
    if how == "api":
        response = change_password(api_client, tokens["access"], "another-Passw0rd-ok")
        assert response.status_code == 200
    elif how == "set_password":
        user.set_password("another-Passw0rd-ok")
        user.save()
    else:
        user.is_active = False
        user.save()
    assert session_cache._pending  # the invalidation was missed, and held back

    # Committed whatever Redis did: the database says revoked, and this process refuses at once.
    assert DeviceSession.objects.get(pk=tokens["session"]["id"]).revoked_at is not None
    assert todos(api_client, tokens["access"]).status_code == 401
    assert refresh(api_client, tokens["refresh"]).status_code == 401

    # Redis comes back with the stale entry. This process replays the invalidation it missed...
    redis.thaw()
    breaker_allows()
    assert todos(api_client, tokens["access"]).status_code == 401
    assert session_cache._pending == set()


def test_stale_entry_another_process_missed_dies_within_the_bound(api_client, user, redis, settings):
    settings.REDIS_RETRY_SECONDS = 1
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200  # cached
    trip_the_breaker(redis, "frozen")
    user.set_password("another-Passw0rd-ok")
    user.save()
    redis.thaw()
    # Another process, which never held the invalidation, would trust the stale entry...
    session_cache._pending.clear()
    breaker_allows()
    served_stale = todos(api_client, tokens["access"]).status_code
    assert served_stale in (200, 401)
    # ...but for no longer than SESSION_CACHE_SECONDS after it was filled.
    refused_within_the_bound(lambda: todos(api_client, tokens["access"]))


def test_redis_restored_from_an_old_snapshot_cannot_revive_a_revoked_session(api_client, user, redis):
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200  # cached, versions stamped
    redis.save()  # the snapshot holds the live entry and its versions
    assert api_client.post("/api/auth/logout/", **bearer(tokens["access"])).status_code == 204
    assert todos(api_client, tokens["access"]).status_code == 401

    redis.kill()
    redis.start(load_snapshot=True)
    failsafe.breaker.reset()
    assert redis.client().exists(f"auth:s:{tokens['session']['id']}")  # the old entry is back

    first = todos(api_client, tokens["access"]).status_code
    assert first in (200, 401)
    refused_within_the_bound(lambda: todos(api_client, tokens["access"]))


@pytest.mark.parametrize("restart", ["empty", "evicted version"])
def test_missing_versions_are_never_matched(api_client, user, redis, restart):
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200
    client = redis.client()
    if restart == "empty":
        redis.kill()
        redis.start()
        failsafe.breaker.reset()
    # Now the versions are gone (restart) or evicted; an entry filled now must carry new ones.
    client.delete(f"auth:v:u:{user.pk}")
    assert todos(api_client, tokens["access"]).status_code == 200
    entry_versions = client.mget(f"auth:v:u:{user.pk}", "auth:v:all")
    assert None not in entry_versions

    # Revoked behind the cache's back, then the version evicted: the old entry must not match.
    DeviceSession.objects.filter(pk=tokens["session"]["id"]).update(revoked_at=user.date_joined)
    client.delete(f"auth:v:u:{user.pk}")
    assert todos(api_client, tokens["access"]).status_code == 401


@pytest.mark.parametrize(
    "bypass",
    [
        lambda user, session_id: User.objects.filter(pk=user.pk).update(is_active=False),
        lambda user, session_id: DeviceSession.objects.filter(pk=session_id).update(
            revoked_at=user.date_joined
        ),
    ],
    ids=["user deactivated by update()", "session revoked by update()"],
)
def test_writes_that_bypass_save_are_refused_within_the_bound(api_client, user, redis, bypass):
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200  # cached
    bypass(user, tokens["session"]["id"])
    refused_within_the_bound(lambda: todos(api_client, tokens["access"]))


def test_staff_status_removed_by_update_is_dropped_within_the_bound(api_client, redis):
    staff = UserFactory(is_staff=True)
    UserFactory()  # someone only a staff user can see
    tokens = login(api_client, staff).json()
    assert api_client.get("/api/users/", **bearer(tokens["access"])).json()["count"] == 2
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    wait_until(
        lambda: api_client.get("/api/users/", **bearer(tokens["access"])).json()["count"] == 1,
        CACHE_SECONDS + 0.5,
        "staff status dropped within SESSION_CACHE_SECONDS",
    )


@pytest.mark.parametrize("how", ["user QuerySet.delete()", "session QuerySet.delete()"])
def test_deletes_django_can_see_are_refused_at_once(api_client, user, redis, how):
    tokens = login(api_client, user).json()
    assert todos(api_client, tokens["access"]).status_code == 200  # cached
    if how.startswith("user"):
        User.objects.filter(pk=user.pk).delete()
    else:
        DeviceSession.objects.filter(pk=tokens["session"]["id"]).delete()
    assert todos(api_client, tokens["access"]).status_code == 401


def test_cache_clear_survives_a_dead_redis(redis):
    redis.kill()
    cache.set("k", "v")
    assert cache.get("k") == "v"  # the per-process fallback
    assert cache.clear() is True


@pytest.mark.parametrize("fault", ["killed", "frozen"])
def test_account_protection_answers_from_the_database_while_redis_fails(
    api_client, user, redis, fault, settings
):
    """Reset (throttled per IP and per address), the cap, new-device mail, log out others, rename."""
    settings.SESSION_MAX_PER_USER = 2
    first = login(api_client, user).json()
    {"killed": redis.kill, "frozen": redis.freeze}[fault]()
    results = []
    for name, call in [
        ("login (evicts, mails)", lambda: login(api_client, user, HTTP_USER_AGENT="curl/8.0")),
        ("login (evicts)", lambda: login(api_client, user)),
        ("reset", lambda: api_client.post("/api/auth/password/reset/", {"email": user.email}, format="json")),
        ("confirm", lambda: api_client.post("/api/auth/password/reset/confirm/", {"uid": "MQ", "token": "x-y", "new_password": "N3w-long-passphrase"}, format="json")),
    ]:  # fmt: skip
        response, took = timed(call)
        results.append((name, response.status_code, took))
    tokens = login(api_client, user).json()
    for name, call in [
        ("logout others", lambda: api_client.post("/api/auth/logout-others/", **bearer(tokens["access"]))),
        ("rename", lambda: api_client.patch(f"/api/auth/sessions/{tokens['session']['id']}/", {"device_name": "n"}, format="json", **bearer(tokens["access"]))),
    ]:  # fmt: skip
        response, took = timed(call)
        results.append((name, response.status_code, took))
    assert [(name, status) for name, status, _ in results] == [
        ("login (evicts, mails)", 200),
        ("login (evicts)", 200),
        ("reset", 202),
        ("confirm", 400),
        ("logout others", 204),
        ("rename", 200),
    ]
    assert max(took for _, _, took in results) < REQUEST_BUDGET_SECONDS, results
    assert DeviceSession.objects.get(pk=first["session"]["id"]).revoke_reason == "session_limit"
    assert [message.subject for message in mail.outbox][-2:] == [
        "New sign-in to your account",
        "Reset your password",
    ]
