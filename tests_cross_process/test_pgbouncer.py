"""The core flows through a real PgBouncer in transaction pooling, under two gunicorn servers.

A private PostgreSQL cluster, a PgBouncer in ``pool_mode = transaction`` with fewer server
connections than the servers' worker processes (so that they take turns on them, as in
production), and two servers A and B (two sync workers each) with ``DB_PREPARED_STATEMENTS=false``,
migrated through PgBouncer too. Every flow crosses from one server to the other; the management
commands and the admin go through PgBouncer as well.

Beside them: what PgBouncer 1.18 does to the statement bound (``DB_STATEMENT_TIMEOUT_SECONDS``
travels in libpq's startup options, which it refuses): the bound set on the database role holds
through it, and ``ignore_startup_parameters = options`` drops the bound without a word.
"""

import base64
import http.cookiejar
import json
import re
import shutil
import subprocess
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from testing.faults import PgBouncer, PostgresCluster, lock_held, lock_waiters, postgres_installed
from testing.servers import HOST, PYTHON, ROOT, Gunicorn, migrate, request, server_env, wait_until

PASSWORD = "pooled-Passw0rd-long"
ADMIN_PASSWORD = "pooled-Admin-passw0rd"
GRACE_SECONDS = 30
BOUND = 1  # seconds

pytestmark = pytest.mark.skipif(
    not postgres_installed() or not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()),
    reason="needs PostgreSQL's server binaries and PgBouncer",
)


@pytest.fixture(scope="module")
def cluster():
    with PostgresCluster() as started:
        yield started


@pytest.fixture(scope="module")
def pooled(cluster, tmp_path_factory):
    """Yield (database URL of the cluster itself, the servers' environment, [A, B])."""
    directory = tmp_path_factory.mktemp("pgbouncer")
    direct = cluster.create_database("pooled")
    # Three server connections for four worker processes and the commands: turns are taken.
    with PgBouncer(cluster.port, pool_size=3) as bouncer:
        env = server_env(
            database_url=bouncer.url("pooled"),
            DB_PREPARED_STATEMENTS="false",
            REFRESH_REUSE_GRACE_SECONDS=GRACE_SECONDS,
        )
        migrate(env)
        servers = []
        try:
            for name in ("a", "b"):
                server = Gunicorn(env, workers=2, log=directory / f"{name}.log")
                servers.append(server)
                server.start()
            yield direct, env, servers
        finally:
            for server in servers:
                server.stop()


def jti(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


def register(server, email):
    status, body = request(
        server.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
    )
    assert status == 201, body
    return body


def log_in(server, email):
    status, body = request(
        server.port, "POST", "/api/auth/login/", body={"email": email, "password": PASSWORD}
    )
    assert status == 200, body
    return body


def todos(server, access):
    return request(server.port, "GET", "/api/todos/", token=access)[0]


def refresh(server, token):
    return request(server.port, "POST", "/api/auth/refresh/", token=token)


def manage(env, *args):
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_register_login_and_rotation_cross_servers(pooled):
    _, _, (a, b) = pooled
    first = register(a, "rotate@pooled.invalid")
    second = log_in(b, "rotate@pooled.invalid")
    assert first["session"]["id"] != second["session"]["id"]
    status, rotated = refresh(b, first["refresh"])
    assert status == 200
    assert jti(rotated["refresh"]) != jti(first["refresh"])
    assert todos(a, rotated["access"]) == 200
    status, again = refresh(a, rotated["refresh"])
    assert status == 200 and todos(b, again["access"]) == 200


def test_a_retry_within_the_grace_window_gets_the_same_token_on_the_other_server(pooled):
    _, _, (a, b) = pooled
    tokens = register(a, "grace@pooled.invalid")
    status, first = refresh(a, tokens["refresh"])
    assert status == 200
    status, retry = refresh(b, tokens["refresh"])
    assert status == 200
    assert jti(retry["refresh"]) == jti(first["refresh"])
    assert todos(b, retry["access"]) == 200


def test_reuse_of_an_older_generation_revokes_the_session_everywhere(pooled):
    _, _, (a, b) = pooled
    tokens = register(a, "reuse@pooled.invalid")
    second = refresh(a, tokens["refresh"])[1]
    third = refresh(b, second["refresh"])[1]
    assert refresh(b, tokens["refresh"])[0] == 401  # two generations back: reuse
    assert refresh(a, third["refresh"])[0] == 401
    assert todos(a, third["access"]) == 401
    assert todos(b, third["access"]) == 401


def test_logout_on_one_server_is_refused_by_the_other_at_once(pooled):
    _, _, (a, b) = pooled
    tokens = register(a, "logout@pooled.invalid")
    assert todos(b, tokens["access"]) == 200
    assert request(a.port, "POST", "/api/auth/logout/", token=tokens["access"])[0] == 204
    assert todos(b, tokens["access"]) == 401
    assert refresh(b, tokens["refresh"])[0] == 401


def test_logout_all_on_one_server_ends_every_session_on_both(pooled):
    _, _, (a, b) = pooled
    first = register(a, "logout-all@pooled.invalid")
    second = log_in(b, "logout-all@pooled.invalid")
    assert request(b.port, "POST", "/api/auth/logout-all/", token=second["access"])[0] == 204
    for server in (a, b):
        assert todos(server, first["access"]) == 401
        assert todos(server, second["access"]) == 401
    assert refresh(a, first["refresh"])[0] == 401


def test_concurrent_refreshes_of_one_token_have_one_winner(pooled):
    direct, _, (a, b) = pooled
    tokens = register(a, "race@pooled.invalid")
    barrier = threading.Barrier(8)

    def race(number):
        barrier.wait()
        return refresh((a, b)[number % 2], tokens["refresh"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(race, range(8)))
    assert {status for status, _ in answers} == {200}
    # One rotation: every answer (the losers' within the grace window) carries the winner's token.
    winners = {jti(body["refresh"]) for _, body in answers}
    assert len(winners) == 1
    with psycopg.connect(direct) as conn:
        stored = conn.execute(
            "SELECT refresh_jti FROM accounts_devicesession WHERE id = %s", [tokens["session"]["id"]]
        ).fetchone()[0]
    assert str(stored) == winners.pop()
    assert refresh(b, answers[0][1]["refresh"])[0] == 200


def test_todos_crud_across_servers(pooled):
    _, _, (a, b) = pooled
    access = register(a, "todos@pooled.invalid")["access"]
    status, created = request(a.port, "POST", "/api/todos/", token=access, body={"title": "pooled"})
    assert status == 201
    path = f"/api/todos/{created['id']}/"
    status, listed = request(b.port, "GET", "/api/todos/", token=access)
    assert status == 200 and [todo["id"] for todo in listed["results"]] == [created["id"]]
    status, patched = request(a.port, "PATCH", path, token=access, body={"completed": True})
    assert status == 200 and patched["completed"] is True
    assert request(b.port, "GET", path, token=access)[1]["completed"] is True
    assert request(b.port, "DELETE", path, token=access)[0] == 204
    assert request(a.port, "GET", path, token=access)[0] == 404


def test_revoke_sessions_and_prune_sessions_through_pgbouncer(pooled):
    direct, env, (a, b) = pooled
    tokens = register(a, "command@pooled.invalid")
    log_in(b, "command@pooled.invalid")
    out = manage(env, "revoke_sessions", "--user", "command@pooled.invalid")
    assert "Revoked 2 session(s) in all." in out
    assert todos(b, tokens["access"]) == 401
    out = manage(env, "prune_sessions", "--older-than-days", "0")
    assert re.search(r"Deleted [1-9][0-9]* session\(s\) ended", out), out
    with psycopg.connect(direct) as conn:
        left = conn.execute(
            "SELECT count(*) FROM accounts_devicesession s JOIN accounts_user u ON u.id = s.user_id"
            " WHERE u.email = %s",
            ["command@pooled.invalid"],
        ).fetchone()[0]
    assert left == 0
    everyone = register(b, "everyone@pooled.invalid")
    assert "Revoked" in manage(env, "revoke_sessions", "--all")
    assert todos(a, everyone["access"]) == 401


def test_the_admin_lists_sessions_through_pgbouncer(pooled):
    _, env, (_, b) = pooled
    register(b, "listed@pooled.invalid")
    manage(
        {**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
        "createsuperuser",
        "--noinput",
        "--email",
        "admin@pooled.invalid",
    )
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://{HOST}:{b.port}"
    page = opener.open(f"{base}/admin/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": "admin@pooled.invalid",
            "password": ADMIN_PASSWORD,
            "next": "/admin/",
        }
    ).encode()
    url = f"{base}/admin/login/"
    login = urllib.request.Request(url, data=form, headers={"Referer": url})  # noqa: S310 - our own server
    assert opener.open(login, timeout=30).geturl().endswith("/admin/")
    listing = opener.open(f"{base}/admin/accounts/devicesession/?q=listed%40pooled.invalid", timeout=30)
    assert listing.status == 200
    assert "listed@pooled.invalid" in listing.read().decode()


def pgbouncer_version() -> tuple[int, ...]:
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    first = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout  # noqa: S603
    return tuple(int(part) for part in re.search(r"PgBouncer (\d+)\.(\d+)", first).groups())


@pytest.mark.skipif(pgbouncer_version() >= (1, 21), reason="PgBouncer 1.21+ can keep prepared statements")
def test_without_the_setting_prepared_statements_collide_in_transaction_pooling(cluster, tmp_path):
    """The control: what DB_PREPARED_STATEMENTS=false prevents, and proof that the pooling above is real.

    The collision needs both workers to have prepared the same statement on the one server
    connection, so the requests come from four clients at once: sequential requests may all be
    accepted by one worker, which then never collides with itself.
    """
    cluster.create_database("prepared")
    with PgBouncer(cluster.port, pool_size=1) as bouncer:
        env = server_env(database_url=bouncer.url("prepared"))  # prepared statements on, the default
        migrate(env)
        with Gunicorn(env, workers=2, log=tmp_path / "prepared.log") as server:
            access = register(server, "prepared@pooled.invalid")["access"]

            def client(_):
                return [todos(server, access) for _ in range(30)]

            with ThreadPoolExecutor(4) as pool:
                statuses = [status for statuses in pool.map(client, range(4)) for status in statuses]
    assert 500 in statuses
    assert "prepared statement" in (tmp_path / "prepared.log").read_text()


# --- The statement bound behind PgBouncer -------------------------------------------------------


def blocked_login(bouncer, direct, tmp_path):
    """Log in through PgBouncer while the user's row is locked in the database at ``direct``.

    Return (whether the login was still waiting past three times the bound, its status once the
    row was free, the server's log).
    """
    database = direct.rsplit("/", 1)[1]
    environment = server_env(
        database_url=bouncer.url(database), DB_PREPARED_STATEMENTS="false", DB_STATEMENT_TIMEOUT_SECONDS=BOUND
    )
    migrate(environment)
    log = tmp_path / f"{database}.log"
    email = "locked@pooled.invalid"
    with Gunicorn(environment, workers=1, log=log) as server, ThreadPoolExecutor(1) as pool:
        register(server, email)
        with lock_held(direct, "SELECT 1 FROM accounts_user WHERE email = %s FOR UPDATE", [email]):
            waiting = pool.submit(
                request,
                server.port,
                "POST",
                "/api/auth/login/",
                body={"email": email, "password": PASSWORD},
                timeout=60,
            )
            wait_until(
                lambda: lock_waiters(direct, longer_than=3 * BOUND) > 0 or waiting.done(),
                30,
                "the login answered, or waiting on the row past three times the bound",
            )
            unbounded = not waiting.done()
        status, _ = waiting.result(timeout=60)
    return unbounded, status, log.read_text()


def test_the_bound_set_on_the_database_role_holds_through_pgbouncer(cluster, tmp_path):
    direct = cluster.create_database("role_bound")
    with psycopg.connect(cluster.url(), autocommit=True) as conn:
        for setting in ("statement_timeout", "lock_timeout"):
            conn.execute(f"ALTER ROLE postgres IN DATABASE role_bound SET {setting} = '{BOUND}s'")
    with PgBouncer(cluster.port) as bouncer:
        unbounded, status, log = blocked_login(bouncer, direct, tmp_path)
    assert not unbounded
    assert status == 503
    # The startup options were refused, and said so once: the role's bound did the work.
    assert len(re.findall("refuses startup options", log)) == 1


def test_ignore_startup_parameters_drops_the_bound_without_a_word(cluster, tmp_path):
    direct = cluster.create_database("ignored")
    with PgBouncer(cluster.port, settings="ignore_startup_parameters = options") as bouncer:
        unbounded, status, log = blocked_login(bouncer, direct, tmp_path)
    assert unbounded  # still waiting on the row past three times the bound
    assert status == 200  # served once the row was free
    assert "refuses startup options" not in log
