"""DB_STATEMENT_TIMEOUT_SECONDS in a real gunicorn server, and a management command that it does not bound.

A private PostgreSQL cluster (initdb, pg_ctl); a connection of the test's own holds a row lock
in an open transaction. The server's request that needs the row is cancelled after the bound
and answered 503 with ``Retry-After``, while the other worker goes on serving, and the same
request works once the row is free. ``manage.py revoke_sessions``, run with the very same
environment, waits on such a lock for as long as it is held, then does its work.
"""

import http.client
import json
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from testing.faults import (
    PgBouncer,
    gunicorn_on_own_cluster,
    lock_held,
    lock_waiters,
    postgres_installed,
)
from testing.servers import HOST, PYTHON, ROOT, Gunicorn, request, server_env, wait_until

PASSWORD = "bound-Passw0rd-long"
BOUND = 2  # seconds: room for the other worker's requests while one waits on the lock

pytestmark = pytest.mark.skipif(not postgres_installed(), reason="needs PostgreSQL's server binaries")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Yield (cluster, database URL, environment, server): gunicorn bounded at BOUND seconds."""
    directory = tmp_path_factory.mktemp("pg-bound")
    with gunicorn_on_own_cluster(directory, "bound", DB_STATEMENT_TIMEOUT_SECONDS=BOUND) as served:
        yield served


def register(port, email):
    status, tokens = request(port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD})
    assert status == 201
    return tokens


def log_in(port, email):
    """POST a login; return (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        body = json.dumps({"email": email, "password": PASSWORD})
        conn.request("POST", "/api/auth/login/", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        conn.close()


def test_a_request_blocked_on_a_row_is_503_while_the_server_answers_others(served):
    _, database_url, _, server = served
    port = server.port
    register(port, "blocked@example.com")
    other = register(port, "other@example.com")
    workers = sorted(server.worker_pids())
    user_row = "SELECT 1 FROM accounts_user WHERE email = %s FOR UPDATE"
    with lock_held(database_url, user_row, ["blocked@example.com"]), ThreadPoolExecutor(1) as pool:
        blocked = pool.submit(log_in, port, "blocked@example.com")
        wait_until(lambda: lock_waiters(database_url) > 0, 30, "the login waiting on the user's row")
        # The other worker serves everyone else meanwhile.
        assert log_in(port, "other@example.com")[0] == 200
        assert request(port, "GET", "/api/todos/", token=other["access"])[0] == 200
        assert request(port, "GET", "/api/health/")[0] == 200
        assert not blocked.done()
        status, headers, body = blocked.result(timeout=60)
    assert status == 503
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Type"].startswith("application/json")
    assert body["code"] == "service_unavailable" and body["detail"]
    # The row is free again: the same login works, from the same workers (none was lost).
    assert log_in(port, "blocked@example.com")[0] == 200
    assert sorted(server.worker_pids()) == workers


def test_a_management_command_waits_on_a_lock_for_as_long_as_it_is_held(served):
    _, database_url, env, server = served
    email = "command@example.com"
    register(server.port, email)
    sessions = (
        "SELECT 1 FROM accounts_devicesession"
        " WHERE user_id = (SELECT id FROM accounts_user WHERE email = %s) FOR UPDATE"
    )
    with lock_held(database_url, sessions, [email]):
        command = subprocess.Popen(  # noqa: S603 - a fixed command line
            [PYTHON, "manage.py", "revoke_sessions", "--user", email],
            cwd=ROOT,
            env=env,  # DB_STATEMENT_TIMEOUT_SECONDS included
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_until(
                lambda: lock_waiters(database_url, longer_than=2 * BOUND) > 0 or command.poll() is not None,
                60,
                "the command waiting on the sessions' rows past the bound",
            )
            assert command.poll() is None, command.communicate()
        except BaseException:
            command.kill()
            raise
    out, err = command.communicate(timeout=60)
    assert command.returncode == 0, err
    assert "Revoked 1 session(s) in all." in out


@pytest.mark.skipif(
    not shutil.which("pgbouncer") and not Path("/usr/sbin/pgbouncer").exists(), reason="needs PgBouncer"
)
def test_through_pgbouncer_a_server_runs_unbounded_and_says_so_once(served, tmp_path):
    # PgBouncer refuses libpq's startup options, the bound's vehicle: the server must still serve.
    cluster = served[0]
    log = tmp_path / "gunicorn.log"
    with PgBouncer(cluster.port) as bouncer:
        env = server_env(
            database_url=bouncer.url("bound"),
            DB_STATEMENT_TIMEOUT_SECONDS=BOUND,
            DB_PREPARED_STATEMENTS="false",
        )
        with Gunicorn(env, workers=1, log=log) as server:  # answers its health check: it connects
            tokens = register(server.port, "pooled@example.com")
            assert log_in(server.port, "pooled@example.com")[0] == 200
            status, _ = request(server.port, "POST", "/api/auth/refresh/", token=tokens["refresh"])
            assert status == 200
    refusals = [line for line in log.read_text().splitlines() if "refuses startup options" in line]
    assert len(refusals) == 1, refusals
    assert "unsupported startup parameter" in refusals[0]
