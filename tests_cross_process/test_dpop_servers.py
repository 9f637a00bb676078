"""DPoP across two server processes: a proof used on one is refused by the other, with Redis and without.

Two gunicorn servers share a scratch database (PostgreSQL when DATABASE_URL names it, else a
SQLite file) and a private redis-server of this module's own. Both are addressed by one public
name (``Host: api.test``), as behind a load balancer, so a proof names the same ``htu`` on
either. The worked example of docs/dpop.md (examples/dpop_client.py) runs against them too.
"""

import os
import subprocess
import sys

import pytest

from accounts.tests.dpop_helpers import ClientKey
from testing.servers import ROOT, request, two_servers

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
