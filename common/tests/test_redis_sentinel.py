"""Redis found through Sentinel, in-process: a private master, a replica and a Sentinel; the master is killed.

Every user of Redis (the session state, the DPoP replay record, throttling through Django's
cache, the health check) reaches the master the Sentinel names through ``common.failsafe``'s
one factory. While the Sentinel promotes the replica, requests are answered from the database
(no 5xx, no wait past a second); afterwards the promoted replica serves them, without any
restart: entries are cached there, and a revocation invalidates them there.
"""

import time

import pytest
from django.test import Client
from redis.sentinel import SentinelConnectionPool

from accounts.tests.dpop_helpers import ClientKey
from accounts.tests.factories import PASSWORD, UserFactory
from common import failsafe
from testing.faults import RedisWithSentinel

pytestmark = pytest.mark.django_db

# A request may pay the Master lookup, a connection and a call, each bounded by the timeout.
REQUEST_BUDGET_SECONDS = 1.0


PRINT_URL = "from django.conf import settings; print(settings.REDIS_URL); print(settings.CACHES['default'])"


def test_the_sentinels_and_the_master_name_go_into_the_one_url_every_user_of_redis_gets(run_settings):
    done = run_settings(
        PRINT_URL,
        REDIS_URL="rediss://:secret@ignored:1/3?ssl_ca_certs=/etc/ca.pem",
        REDIS_SENTINELS="10.0.0.1:26379, [2001:db8::2]:26380",
        REDIS_SENTINEL_MASTER="main",
    )
    assert done.returncode == 0, done.stderr
    url, cache = done.stdout.splitlines()
    assert url.startswith("rediss://:secret@ignored:1/3?ssl_ca_certs=/etc/ca.pem&")
    assert url in cache
    plain, sentinels, master = failsafe._split_sentinels(url)
    assert plain == "rediss://:secret@ignored:1/3?ssl_ca_certs=%2Fetc%2Fca.pem"
    assert sentinels == [("10.0.0.1", 26379), ("2001:db8::2", 26380)]
    assert master == "main"


def test_without_redis_url_the_sentinels_name_database_0(run_settings):
    done = run_settings(PRINT_URL, REDIS_SENTINELS="127.0.0.1:26379", REDIS_SENTINEL_MASTER="main")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "redis:///0?sentinel=127.0.0.1%3A26379&sentinel_master=main"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REDIS_SENTINELS": "127.0.0.1:26379"}, "together"),
        ({"REDIS_SENTINEL_MASTER": "main"}, "together"),
        ({"REDIS_SENTINELS": "127.0.0.1", "REDIS_SENTINEL_MASTER": "main"}, "host:port"),
        ({"REDIS_SENTINELS": "127.0.0.1:99999", "REDIS_SENTINEL_MASTER": "main"}, "host:port"),
        (
            {
                "REDIS_SENTINELS": "127.0.0.1:26379",
                "REDIS_SENTINEL_MASTER": "m",
                "REDIS_URL": "unix:///r.sock",
            },
            "redis:// or rediss://",
        ),
    ],
)
def test_a_wrong_sentinel_setting_stops_the_start(run_settings, env, message):
    done = run_settings(**env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and message in done.stderr


@pytest.fixture
def group(tmp_path):
    with RedisWithSentinel(tmp_path / "redis") as started:
        yield started


@pytest.fixture
def through_sentinel(group, settings):
    """Point every user of Redis at the group's master, through its Sentinel; return the URL they share."""
    url = failsafe.sentinel_url("", sentinels=group.sentinel_addresses, master=group.name)
    settings.REDIS_URL = url
    settings.SESSION_STATE_REDIS_URL = url
    settings.SESSION_STATE_CACHE = None
    settings.DPOP_REPLAY_REDIS_URL = url
    settings.CACHES = {"default": {"BACKEND": "common.cache.FailSafeRedisCache", "LOCATION": url}}
    settings.AUTH_THROTTLE_RATE = "1000/min"
    settings.SESSION_CACHE_SECONDS = 300
    settings.REDIS_RETRY_SECONDS = 0.3
    return url


def keys(server, pattern):
    return sorted(key.decode() for key in server.client().scan_iter(pattern))


def login(client, user, **extra):
    response = client.post(
        "/api/auth/login/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
        **extra,
    )
    assert response.status_code == 200, response.content
    return response.json()


def test_the_client_asks_the_sentinel_and_every_user_of_redis_reaches_the_master(group, through_sentinel):
    client = failsafe.redis_client(through_sentinel)
    assert isinstance(client.connection_pool, SentinelConnectionPool)
    master = group.master()
    user = UserFactory()
    api = Client()
    tokens = login(api, user)
    assert api.get("/api/todos/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200
    health = api.get("/api/health/").json()
    assert health == {"status": "ok", "database": "ok", "redis": "ok"}
    # Session state, throttling (Django's cache) and a DPoP proof's record, all in the master.
    assert keys(master, "auth:s:*")
    assert keys(master, "*throttle*")
    key = ClientKey()
    api.post(
        "/api/auth/login/",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
        **key.headers("POST", "/api/auth/login/"),
    )
    assert keys(master, "dpop:jti:*")


def test_a_failover_is_followed_without_a_5xx_and_the_new_master_is_used(group, through_sentinel):
    user = UserFactory()
    api = Client()
    tokens = login(api, user)
    assert api.get("/api/todos/", HTTP_AUTHORIZATION=f"Bearer {tokens['access']}").status_code == 200
    statuses, slowest = [], 0.0

    def timed(method, path, token=None):
        nonlocal slowest
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        started = time.monotonic()
        response = getattr(api, method)(path, content_type="application/json", **headers)
        slowest = max(slowest, time.monotonic() - started)
        statuses.append(response.status_code)
        return response

    old, new = group.master(), None
    old.kill()
    # Served from the database while the Sentinel has not promoted anyone yet.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        timed("get", "/api/todos/", tokens["access"])
        refreshed = timed("post", "/api/auth/refresh/", tokens["refresh"])
        if refreshed.status_code == 200:
            tokens = refreshed.json()
        health = timed("get", "/api/health/").json()
        if group.master() is not old and health["redis"] == "ok":
            new = group.master()
            break
    assert new is not None and new is not old, "no failover within 60 s"
    assert all(status < 500 for status in statuses), statuses
    assert set(statuses) <= {200}, statuses
    assert slowest < REQUEST_BUDGET_SECONDS, slowest

    # Once promoted, the new master holds the session state: filled by the next request...
    access = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    assert api.get("/api/todos/", **access).status_code == 200
    assert keys(new, "auth:s:*")
    # ... and a revocation invalidates it there, at once.
    user_version = f"auth:v:u:{user.pk}"
    before = new.client().get(user_version)
    assert api.post("/api/auth/logout-all/", content_type="application/json", **access).status_code == 204
    assert new.client().get(user_version) != before
    assert api.get("/api/todos/", **access).status_code == 401
    assert failsafe.call(failsafe.redis_client(through_sentinel).ping) is True
