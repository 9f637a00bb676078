"""The DPoP replay check on a real, private redis-server: one round trip, and the database when Redis fails."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import dpop_replay
from accounts.models import DPoPProofUse
from accounts.tests.dpop_helpers import ClientKey, login_bound

pytestmark = pytest.mark.django_db

SESSIONS = "/api/auth/sessions/"
REQUEST_BUDGET_SECONDS = 1.0


@pytest.fixture
def redis(fresh_redis, settings):
    """Point the replay record (only) at the private server, started afresh and empty."""
    settings.DPOP_REPLAY_REDIS_URL = fresh_redis.url
    return fresh_redis


@pytest.fixture
def bound(api_client, user, redis):
    key = ClientKey()
    return key, login_bound(api_client, user, key)


def test_the_record_is_one_redis_command_with_an_expiry(redis, bound, api_client):
    key, tokens = bound
    client = redis.client()
    client.config_resetstat()
    headers = key.headers("GET", SESSIONS, tokens["access"])
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(SESSIONS, **headers).status_code == 200
    assert not [q for q in captured.captured_queries if "dpopproofuse" in q["sql"].lower()]
    stats = client.info("commandstats")
    assert stats["cmdstat_set"]["calls"] == 1
    assert set(stats) <= {"cmdstat_set", "cmdstat_info", "cmdstat_config|resetstat", "cmdstat_config"}
    stored = client.keys(dpop_replay.KEY_PREFIX + "*")
    assert len(stored) == 2  # the login's proof and this one
    assert all(55 <= client.ttl(name) <= 61 for name in stored)
    assert not DPoPProofUse.objects.exists()
    assert api_client.get(SESSIONS, **headers).status_code == 401


def test_replays_are_refused_while_redis_is_down(redis, bound, api_client):
    key, tokens = bound
    redis.kill()
    headers = key.headers("GET", SESSIONS, tokens["access"])
    for expected in (200, 401, 401):
        started = time.monotonic()
        response = api_client.get(SESSIONS, **headers)
        assert response.status_code == expected, response.content
        assert time.monotonic() - started < REQUEST_BUDGET_SECONDS
    assert DPoPProofUse.objects.count() == 1
    # Fresh proofs keep working from the database.
    assert api_client.get(SESSIONS, **key.headers("GET", SESSIONS, tokens["access"])).status_code == 200


def test_a_frozen_redis_costs_at_most_one_timeout(redis, bound, api_client):
    key, tokens = bound
    redis.freeze()
    try:
        timings = []
        for _ in range(3):
            started = time.monotonic()
            response = api_client.get(SESSIONS, **key.headers("GET", SESSIONS, tokens["access"]))
            timings.append(time.monotonic() - started)
            assert response.status_code == 200
        assert max(timings) < REQUEST_BUDGET_SECONDS
        assert sum(1 for t in timings if t > 0.2) <= 1
    finally:
        redis.thaw()
