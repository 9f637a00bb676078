"""The DPoP replay check on a real, private redis-server: killed, frozen, restarted empty, restored.

A proof is accepted at most twice in all, whatever Redis does, and a proof the database recorded
while Redis was away is refused through Redis once it is back (``accounts.dpop.replay``).
"""

import time

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.dpop import replay
from accounts.models import DPoPProofUse
from accounts.tests.dpop_helpers import ClientKey, login_bound
from accounts.tests.helpers import breaker_allows, trip_the_breaker
from common import failsafe
from testing.servers import wait_until

pytestmark = pytest.mark.django_db

SESSIONS = "/api/auth/sessions/"
REQUEST_BUDGET_SECONDS = 1.0
# The loss window in these tests: a Redis up for less than this may have lost records.
LOSS_WINDOW_SECONDS = 1.0


@pytest.fixture
def redis(fresh_redis, settings):
    """Point the replay record (only) at the private server, started afresh and empty.

    The loss window (two minutes in production) is one second here, so that a test can get
    past it by waiting for the server's uptime.
    """
    settings.DPOP_REPLAY_REDIS_URL = fresh_redis.url
    settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS = LOSS_WINDOW_SECONDS
    return fresh_redis


def past_the_loss_window(redis):
    """Return once the server has been up for longer than the loss window."""
    wait_until(
        lambda: redis.client().info("server")["uptime_in_seconds"] >= LOSS_WINDOW_SECONDS,
        10,
        "redis-server up past the loss window",
    )


@pytest.fixture
def bound(api_client, user, redis):
    key = ClientKey()
    return key, login_bound(api_client, user, key)


def replay_queries(captured):
    return [
        q["sql"].split(None, 1)[0] for q in captured.captured_queries if "dpopproofuse" in q["sql"].lower()
    ]


def test_the_record_is_one_redis_round_trip_and_one_primary_key_read(redis, bound, api_client):
    key, tokens = bound
    past_the_loss_window(redis)
    client = redis.client()
    client.config_resetstat()
    headers = key.headers("GET", SESSIONS, tokens["access"])
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(SESSIONS, **headers).status_code == 200
    assert replay_queries(captured) == ["SELECT"]
    stats = client.info("commandstats")
    assert stats["cmdstat_evalsha"]["calls"] == 1  # the script (SET NX EX and INFO): one round trip
    assert stats["cmdstat_set"]["calls"] == 1
    stored = client.keys(replay.KEY_PREFIX + "*")
    assert len(stored) == 2  # the login's proof and this one
    assert all(55 <= client.ttl(name) <= 61 for name in stored)
    assert not in_database(key, headers)
    assert api_client.get(SESSIONS, **headers).status_code == 401


def test_a_redis_just_started_leaves_the_decision_to_the_database(redis, bound, api_client):
    key, tokens = bound
    redis.kill()
    redis.start()  # empty, and up for less than the loss window
    headers = key.headers("GET", SESSIONS, tokens["access"])
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(SESSIONS, **headers).status_code == 200
    assert "INSERT" in replay_queries(captured)
    assert in_database(key, headers)
    assert recorded_in_redis(redis, key, headers)
    assert api_client.get(SESSIONS, **headers).status_code == 401


def record_key(key, headers):
    """Return the replay record's key of the proof in ``headers``."""
    jti = jwt.decode(headers["HTTP_DPOP"], options={"verify_signature": False})["jti"]
    return replay.proof_key(jkt=key.jkt, jti=jti)


def in_database(key, headers):
    return DPoPProofUse.objects.filter(key=record_key(key, headers)).exists()


def recorded_in_redis(redis, key, headers):
    return bool(redis.client().exists(replay.KEY_PREFIX + record_key(key, headers)))


def test_replays_are_refused_while_redis_is_down(redis, bound, api_client):
    key, tokens = bound
    redis.kill()
    headers = key.headers("GET", SESSIONS, tokens["access"])
    for expected in (200, 401, 401):
        started = time.monotonic()
        response = api_client.get(SESSIONS, **headers)
        assert response.status_code == expected, response.content
        assert time.monotonic() - started < REQUEST_BUDGET_SECONDS
    assert in_database(key, headers)
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


# --- One proof through Redis faults: refused once the database has it, twice at most in all --


@pytest.fixture
def proof(redis, bound):
    """Return the key and the headers of a request with a new proof, once Redis is past its loss window."""
    key, tokens = bound
    past_the_loss_window(redis)
    return key, key.headers("GET", SESSIONS, tokens["access"])


def accepted(api_client, headers):
    status = api_client.get(SESSIONS, **headers).status_code
    assert status in (200, 401)
    return status == 200


@pytest.mark.parametrize("fault", ["frozen", "killed"])
def test_a_proof_the_database_recorded_is_refused_through_redis_once_it_is_back(
    redis, proof, bound, api_client, settings, fault
):
    key, headers = proof
    settings.REDIS_RETRY_SECONDS = 2  # the outage outlasts the proof's request, however slow
    trip_the_breaker(redis, fault)
    assert accepted(api_client, headers)  # recorded in the database
    assert in_database(key, headers)

    if fault == "frozen":
        redis.thaw()
    else:
        redis.start()  # empty
        past_the_loss_window(redis)  # so that Redis, not the loss window, answers "new"
    breaker_allows()
    assert not recorded_in_redis(redis, key, headers)  # Redis never heard of this proof
    assert not accepted(api_client, headers)
    # As in a process that never saw the outage: its breaker closed all along.
    failsafe.breaker.reset()
    assert not accepted(api_client, headers)
    # Redis is in use again, and fresh proofs are accepted.
    fresh = key.headers("GET", SESSIONS, bound[1]["access"])
    assert accepted(api_client, fresh)
    assert recorded_in_redis(redis, key, fresh)


def test_a_proof_recorded_in_redis_is_accepted_at_most_twice_through_restarts(redis, proof, api_client):
    key, headers = proof
    uses = [accepted(api_client, headers)]
    assert uses == [True]
    assert recorded_in_redis(redis, key, headers)

    redis.kill()
    redis.start()  # empty: Redis forgot the proof
    uses.append(accepted(api_client, headers))  # the one more use the bound allows
    assert not accepted(api_client, headers)  # the third, at once
    # Restarted empty again, past the loss window: still refused.
    redis.kill()
    redis.start()
    past_the_loss_window(redis)
    assert not accepted(api_client, headers)
    # And by a process that cannot reach Redis (its breaker open: the database answers).
    trip_the_breaker(redis, "killed")
    assert not accepted(api_client, headers)
    assert sum(uses) <= 2


def test_after_a_restart_a_process_whose_breaker_opens_refuses_the_third_use(
    redis, proof, api_client, settings
):
    """Redis restarted unseen by this process, whose breaker opens a moment later."""
    _, headers = proof
    assert accepted(api_client, headers)  # through Redis
    redis.kill()
    redis.start()  # empty
    assert accepted(api_client, headers)  # through Redis again: the one more
    settings.REDIS_RETRY_SECONDS = 2
    trip_the_breaker(redis, "frozen")
    try:
        assert not accepted(api_client, headers)  # through the database
    finally:
        redis.thaw()


def test_redis_restored_from_an_old_snapshot_allows_at_most_one_more_use(redis, proof, api_client):
    key, headers = proof
    redis.save()  # the snapshot predates the proof's use
    uses = [accepted(api_client, headers)]
    assert uses == [True]

    redis.kill()
    redis.start(load_snapshot=True)
    assert redis.client().keys(replay.KEY_PREFIX + "*")  # the snapshot's records are back...
    assert not recorded_in_redis(redis, key, headers)  # ...without this proof's
    uses.append(accepted(api_client, headers))
    assert not accepted(api_client, headers)
    trip_the_breaker(redis, "killed")
    assert not accepted(api_client, headers)
    redis.start(load_snapshot=True)
    past_the_loss_window(redis)
    assert not accepted(api_client, headers)
    assert sum(uses) <= 2


def test_a_proof_used_in_redis_then_in_the_database_is_refused_after(redis, proof, api_client, settings):
    """Recorded in Redis, then in the database by a process that could not reach Redis: no third."""
    _, headers = proof
    settings.REDIS_RETRY_SECONDS = 2
    assert accepted(api_client, headers)  # through Redis
    trip_the_breaker(redis, "frozen")
    uses = [True, accepted(api_client, headers)]  # the database never heard of it: the one more
    redis.thaw()
    breaker_allows()
    assert not accepted(api_client, headers)
    redis.kill()
    redis.start()
    assert not accepted(api_client, headers)
    past_the_loss_window(redis)
    assert not accepted(api_client, headers)
    assert sum(uses) <= 2
