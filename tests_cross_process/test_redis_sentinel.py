"""Two gunicorn servers find Redis through a Sentinel; the master is killed under load.

A private master, a replica and a Sentinel (testing.faults.RedisWithSentinel). While the
Sentinel promotes the replica, both servers answer from the database: no 5xx, no request
waiting more than about a second. Afterwards the same worker processes use the new master,
with no restart: a session that server B cached there is refused by B at once when server A
revokes it, although SESSION_CACHE_SECONDS would let a stale entry live for minutes.
On PostgreSQL when DATABASE_URL names it, else on a shared SQLite file.
"""

import os

import pytest

from testing.faults import RedisWithSentinel
from testing.load import HEALTH, ChainLoad
from testing.servers import request, two_servers, wait_until

PASSWORD = "sentinel-Failover-passw0rd"
SLOWEST_ALLOWED = 1.5
DATABASE_URL = os.environ.get("DATABASE_URL", "")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    directory = tmp_path_factory.mktemp("redis-sentinel")
    with (
        RedisWithSentinel(directory / "redis") as group,
        two_servers(
            DATABASE_URL,
            "sentinel",
            directory,
            REDIS_SENTINELS=",".join(group.sentinel_addresses),
            REDIS_SENTINEL_MASTER=group.name,
            SESSION_CACHE_SECONDS=300,
            REDIS_RETRY_SECONDS=0.5,
            AUTH_THROTTLE_RATE="1000/min",
        ) as servers,
    ):
        yield group, servers


def redis_state(server):
    return request(server.port, "GET", "/api/health/")[1]["redis"]


def test_a_failover_costs_no_5xx_and_the_new_master_serves_every_process(setup):
    group, (a, b) = setup
    assert [redis_state(a), redis_state(b)] == ["ok", "ok"]
    workers = [a.worker_pids(), b.worker_pids()]
    status, tokens = request(
        a.port, "POST", "/api/auth/register/", body={"email": "failover@example.com", "password": PASSWORD}
    )
    assert status == 201
    load = ChainLoad((a, b), tokens, reads=("/api/todos/", HEALTH))
    load.start()
    try:
        wait_until(lambda: len(load.answers) >= 30, 30, "requests answered before the failover")
        old, new = group.fail_over()
        wait_until(
            lambda: redis_state(a) == "ok" and redis_state(b) == "ok",
            30,
            "both servers on the promoted master",
            interval=0.1,
        )
        answered = len(load.answers)
        wait_until(lambda: len(load.answers) >= answered + 30, 30, "requests answered after the failover")
    finally:
        load.stop.set()
        load.join(timeout=30)
    assert new is not old
    server_errors = [entry for entry in load.answers if entry[2] >= 500]
    assert server_errors == []
    assert {status for *_, status in load.answers} == {200}
    assert load.slowest < SLOWEST_ALLOWED, load.slowest
    # The same processes: the failover was followed, not restarted through.
    assert [a.worker_pids(), b.worker_pids()] == workers

    # B caches a fresh session in the new master; A revokes it; B refuses it at once.
    status, fresh = request(
        a.port, "POST", "/api/auth/login/", body={"email": "failover@example.com", "password": PASSWORD}
    )
    assert status == 200
    for _ in range(2):
        assert request(b.port, "GET", "/api/todos/", token=fresh["access"])[0] == 200
    assert f"auth:s:{fresh['session']['id']}".encode() in set(new.client().scan_iter("auth:s:*"))
    assert request(a.port, "POST", "/api/auth/logout/", token=fresh["access"])[0] == 204
    assert request(b.port, "GET", "/api/todos/", token=fresh["access"])[0] == 401
