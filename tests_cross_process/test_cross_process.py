"""Two stateless app servers sharing one PostgreSQL database and one Redis DB.

A revocation made through server A reaches server B at once, even when B has the session
in the shared cache; a refresh token rotated on A and replayed on B revokes the family;
``revoke_sessions --all`` is refused by both at once.
Skipped unless DATABASE_URL names PostgreSQL and REDIS_URL is set (CI's second run).
"""

import os
import re
import subprocess

import pytest

from testing.servers import PYTHON, ROOT, is_postgres, redis_url_with_db, request, two_servers

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
PASSWORD = "cross-Process-passw0rd"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not (is_postgres(DATABASE_URL) and REDIS_URL),
        reason="needs DATABASE_URL naming PostgreSQL and REDIS_URL",
    ),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Start servers A and B (one sync worker each) on a dedicated database; stop them after."""
    redis_url = redis_url_with_db(REDIS_URL, 15)
    with two_servers(
        DATABASE_URL, "xproc", tmp_path_factory.mktemp("servers"), redis_url=redis_url
    ) as started:
        yield started


def register(server, email):
    status, body = request(
        server.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
    )
    assert status == 201, body
    return body


def get_todos(server, access):
    return request(server.port, "GET", "/api/todos/", token=access)[0]


def refresh(server, token):
    return request(server.port, "POST", "/api/auth/refresh/", token=token)


def test_servers_are_two_processes(servers):
    a, b = servers
    assert a.port != b.port
    assert set(a.worker_pids()).isdisjoint(b.worker_pids())


def test_logout_through_a_is_refused_by_b_at_once(servers):
    a, b = servers
    tokens = register(a, "logout-a@cross.invalid")
    # B serves the token twice: once from the database (filling the cache), once from the cache.
    assert get_todos(b, tokens["access"]) == 200
    assert get_todos(b, tokens["access"]) == 200

    status, _ = request(a.port, "POST", "/api/auth/logout/", token=tokens["access"])
    assert status == 204

    assert get_todos(b, tokens["access"]) == 401
    assert get_todos(a, tokens["access"]) == 401


def test_logout_all_through_b_is_refused_by_a(servers):
    a, b = servers
    first = register(a, "logout-all@cross.invalid")
    status, second = request(
        b.port, "POST", "/api/auth/login/", body={"email": "logout-all@cross.invalid", "password": PASSWORD}
    )
    assert status == 200
    for server in (a, b):
        assert get_todos(server, first["access"]) == 200
        assert get_todos(server, second["access"]) == 200

    status, _ = request(b.port, "POST", "/api/auth/logout-all/", token=second["access"])
    assert status == 204

    for server in (a, b):
        assert get_todos(server, first["access"]) == 401
        assert get_todos(server, second["access"]) == 401


def test_refresh_rotated_on_a_and_replayed_on_b_revokes_the_family(servers):
    a, b = servers
    first = register(a, "replay@cross.invalid")
    status, newest = refresh(a, first["refresh"])
    assert status == 200
    # The newest access token works on both servers (and sits in the shared cache).
    assert get_todos(a, newest["access"]) == 200
    assert get_todos(b, newest["access"]) == 200

    status, body = refresh(b, first["refresh"])  # the rotated-past token, replayed on B
    assert status == 401, body

    # The whole session is gone: the newest tokens from A are refused on both servers.
    assert get_todos(b, newest["access"]) == 401
    assert get_todos(a, newest["access"]) == 401
    assert refresh(a, newest["refresh"])[0] == 401
    assert refresh(b, newest["refresh"])[0] == 401


def manage(server, *args):
    """Run a management command against the servers' database and Redis; return its output."""
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "manage.py", *args], cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_revoke_all_is_refused_by_both_servers_at_once(servers):
    """revoke_sessions --all writes one epoch row: both servers refuse every earlier token right
    after the command, cached or not, and a login made afterwards works on both."""
    a, b = servers
    first = register(a, "everybody-a@cross.invalid")
    second = register(b, "everybody-b@cross.invalid")
    for server in (a, b):  # each token served, and so cached, by both servers
        for tokens in (first, second):
            assert get_todos(server, tokens["access"]) == 200
            assert get_todos(server, tokens["access"]) == 200

    output = manage(a, "revoke_sessions", "--all")

    revoked = int(re.search(r"Revoked (\d+) session\(s\) of every user\.", output).group(1))
    assert revoked >= 2  # these two, and whatever earlier tests of this module left live
    for server in (a, b):
        for tokens in (first, second):
            assert get_todos(server, tokens["access"]) == 401
            assert refresh(server, tokens["refresh"])[0] == 401
    status, after = request(
        b.port, "POST", "/api/auth/login/", body={"email": "everybody-a@cross.invalid", "password": PASSWORD}
    )
    assert status == 200
    for server in (a, b):
        assert get_todos(server, after["access"]) == 200
    assert "Revoked 1 session(s) of every user." in manage(b, "revoke_sessions", "--all")
    for server in (a, b):
        assert get_todos(server, after["access"]) == 401
