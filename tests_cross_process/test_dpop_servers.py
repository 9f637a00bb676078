"""DPoP across two server processes: a proof used on one is refused by the other, with Redis and without.

Two gunicorn servers share a scratch database (PostgreSQL when DATABASE_URL names it, else a
SQLite file) and a private redis-server of this module's own. Both are addressed by one public
name (``Host: api.test``), as behind a load balancer, so a proof names the same ``htu`` on
either. The worked example of docs/dpop.md (examples/dpop_client.py) runs against them too.

The last tests split the two: server A reaches Redis through a proxy the test freezes, as a
hung network path, while B reaches it directly, so one server is in an outage the other never
sees, on one shared Redis.
"""

import contextlib
import os
import subprocess
import sys
import uuid

import pytest

from accounts.tests.dpop_helpers import ClientKey
from testing.faults import TcpProxy
from testing.servers import (
    ROOT,
    Gunicorn,
    migrate,
    request,
    scratch_database,
    server_env,
    two_servers,
    wait_until,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
PASSWORD = "cross-Process-passw0rd"
HOST = "api.test"
BASE = f"http://{HOST}"


@pytest.fixture(scope="module")
def servers(tmp_path_factory, redis_server):
    with two_servers(
        DATABASE_URL,
        "dpop",
        tmp_path_factory.mktemp("servers"),
        redis_url=redis_server.url,
        DJANGO_ALLOWED_HOSTS=f"{HOST},127.0.0.1",
        REDIS_RETRY_SECONDS="0.5",
    ) as started:
        yield started


def call(server, method, path, *, key, token=None, body=None, proof=None):
    headers = {"Host": HOST, "DPoP": proof or key.proof(method, BASE + path, access=token)}
    if token is not None:
        headers["Authorization"] = f"DPoP {token}"
    return request(server.port, method, path, body=body, headers=headers)


def register(server, key, email):
    status, body = call(
        server, "POST", "/api/auth/register/", key=key, body={"email": email, "password": PASSWORD}
    )
    assert status == 201, body
    assert body["token_type"] == "DPoP"
    return body


def replay_across(servers, email):
    a, b = servers
    key = ClientKey()
    tokens = register(a, key, email)
    proof = key.proof("GET", BASE + "/api/todos/", access=tokens["access"])
    assert call(a, "GET", "/api/todos/", key=key, token=tokens["access"], proof=proof)[0] == 200
    assert call(b, "GET", "/api/todos/", key=key, token=tokens["access"], proof=proof)[0] == 401
    assert call(a, "GET", "/api/todos/", key=key, token=tokens["access"], proof=proof)[0] == 401
    # Fresh proofs work on both.
    assert call(b, "GET", "/api/todos/", key=key, token=tokens["access"])[0] == 200
    return key, tokens


def test_a_proof_used_on_one_server_is_refused_by_the_other(servers, redis_server):
    replay_across(servers, "replay@dpop.invalid")
    assert redis_server.client().keys("dpop:jti:*")


def test_and_while_redis_is_down(servers, redis_server):
    redis_server.kill()
    try:
        key, tokens = replay_across(servers, "replay-no-redis@dpop.invalid")
        a, b = servers
        proof = key.proof("POST", BASE + "/api/auth/refresh/")
        first = call(b, "POST", "/api/auth/refresh/", key=key, token=tokens["refresh"], proof=proof)
        assert first[0] == 200, first
        again = call(a, "POST", "/api/auth/refresh/", key=key, token=first[1]["refresh"], proof=proof)
        assert again[0] == 401
    finally:
        redis_server.start()


def test_a_stolen_pair_is_refused_by_every_server(servers):
    key = ClientKey()
    tokens = register(servers[0], key, "stolen@dpop.invalid")
    thief = ClientKey()
    for server in servers:
        assert call(server, "GET", "/api/todos/", key=thief, token=tokens["access"])[0] == 401
        assert call(server, "POST", "/api/auth/refresh/", key=thief, token=tokens["refresh"])[0] == 401
        bearer = request(server.port, "GET", "/api/todos/", token=tokens["access"], headers={"Host": HOST})
        assert bearer[0] == 401
    assert call(servers[1], "GET", "/api/todos/", key=key, token=tokens["access"])[0] == 200


def test_the_worked_example_runs(servers):
    a = servers[0]
    key = ClientKey()
    register(a, key, "example@dpop.invalid")
    completed = subprocess.run(  # noqa: S603 - a fixed command line
        [
            sys.executable,
            "examples/dpop_client.py",
            f"http://127.0.0.1:{a.port}",
            "example@dpop.invalid",
            PASSWORD,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "token_type DPoP" in completed.stdout
    assert "the same access token with another key -> 401" in completed.stdout


# --- One server cut off from Redis, the other not ----------------------------------------------


@pytest.fixture(scope="module")
def split(tmp_path_factory, redis_server):
    """Yield (proxy, A, B): A's Redis is reached through ``proxy``, B's directly; one database.

    The loss window after a Redis restart is one second (tests_cross_process/short_loss_window_settings).
    """
    directory = tmp_path_factory.mktemp("split")
    with (
        TcpProxy(directory / "proxy", redis_server.port) as proxy,
        scratch_database(DATABASE_URL, "dpop_split", directory) as database_url,
    ):
        common = {
            "database_url": database_url,
            "settings": "tests_cross_process.short_loss_window_settings",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "REDIS_RETRY_SECONDS": "1",
        }
        migrate(server_env(**common))
        with (
            Gunicorn(server_env(redis_url=proxy.url(), **common), log=directory / "a.log") as a,
            Gunicorn(server_env(redis_url=redis_server.url, **common), log=directory / "b.log") as b,
        ):
            yield proxy, a, b


def redis_seen_by(server):
    """Return what the server's health check says of Redis: "ok" or "unavailable" (breaker open)."""
    status, body = request(server.port, "GET", "/api/health/")
    assert status == 200, body
    return body["redis"]


def redis_back_for(*servers):
    """Return once each server uses Redis again (its breaker closed)."""
    for server in servers:
        wait_until(lambda server=server: redis_seen_by(server) == "ok", 10, "the server to use Redis again")


def past_the_loss_window(redis_server):
    wait_until(
        lambda: redis_server.client().info("server")["uptime_in_seconds"] >= 1, 10, "Redis up for a second"
    )


@pytest.fixture
def cut_off(split, redis_server):
    """Return a context manager that freezes A's path to Redis with A's breaker open."""
    proxy, a, _ = split

    @contextlib.contextmanager
    def frozen():
        proxy.freeze()
        try:
            # A's breaker opens on a call of its own, so that no proof of the test is ever sent
            # to the frozen path (where it would wait in a buffer and land on the thaw).
            assert redis_seen_by(a) == "unavailable"
            yield
        finally:
            proxy.thaw()

    return frozen


def accepted(server, key, tokens, proof):
    status, body = call(server, "GET", "/api/todos/", key=key, token=tokens["access"], proof=proof)
    assert status in (200, 401), (status, body)
    return status == 200


@pytest.fixture
def bound_on_b(split, redis_server):
    """Return (key, tokens, proof): a session bound on B, and a proof not used yet.

    Both servers use Redis, which is past its loss window.
    """
    _, a, b = split
    redis_back_for(a, b)
    past_the_loss_window(redis_server)
    key = ClientKey()
    tokens = register(b, key, f"split-{uuid.uuid4().hex[:8]}@dpop.invalid")
    return key, tokens, key.proof("GET", BASE + "/api/todos/", access=tokens["access"])


def test_a_proof_used_where_redis_is_cut_off_is_refused_where_it_is_not(split, bound_on_b, cut_off):
    _, a, b = split
    key, tokens, proof = bound_on_b
    with cut_off():
        assert accepted(a, key, tokens, proof)  # recorded in the database
        assert not accepted(b, key, tokens, proof)  # Redis has no record; the database has
    redis_back_for(a)
    assert not accepted(a, key, tokens, proof)
    assert not accepted(b, key, tokens, proof)
    # Both serve fresh proofs, through Redis.
    assert accepted(a, key, tokens, None) and accepted(b, key, tokens, None)


def test_through_a_cut_off_server_and_a_redis_restart_a_proof_is_accepted_twice_at_most(
    split, redis_server, bound_on_b, cut_off
):
    _, a, b = split
    key, tokens, proof = bound_on_b
    uses = [accepted(b, key, tokens, proof)]  # through Redis
    assert uses == [True]
    with cut_off():
        uses.append(accepted(a, key, tokens, proof))  # through the database, which never heard of it
    assert not accepted(b, key, tokens, proof)
    redis_server.kill()
    redis_server.start()  # empty
    redis_back_for(a, b)  # each drops its broken connection, and uses the new Redis
    for server in (a, b, a, b):
        uses.append(accepted(server, key, tokens, proof))
    past_the_loss_window(redis_server)
    for server in (a, b):
        uses.append(accepted(server, key, tokens, proof))
    assert sum(uses) <= 2, uses
