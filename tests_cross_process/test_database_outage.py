"""PostgreSQL stopped under a running server (``pg_ctl -m immediate``), then started again.

The server answers 503 with ``Retry-After`` (JSON under /api/, never a 500) while the database
is away, serves again by itself when it returns (the same worker processes), and has lost
nothing it acknowledged with a 2xx. Under a stream of requests, each worker logs the outage in a
few lines (its beginning with the cause, a count every 10 s, its end), not one per request. The
cluster is the test's own (initdb on a free port).
"""

import http.client
import re
import threading
from collections import Counter

import pytest

from common.outages import REPORT_SECONDS
from testing.faults import PostgresCluster, postgres_installed
from testing.servers import HOST, Gunicorn, migrate, request, server_env, wait_until

PASSWORD = "outage-Passw0rd-long"

pytestmark = pytest.mark.skipif(not postgres_installed(), reason="needs PostgreSQL's server binaries")


@pytest.fixture(scope="module")
def cluster_and_env():
    with PostgresCluster() as cluster:
        database_url = cluster.create_database("outage")
        env = server_env(database_url=database_url, DB_CONNECT_TIMEOUT_SECONDS=2)
        migrate(env)
        yield cluster, env


@pytest.fixture(scope="module")
def outage(cluster_and_env, tmp_path_factory):
    cluster, env = cluster_and_env
    with Gunicorn(env, workers=2, log=tmp_path_factory.mktemp("pg-outage") / "gunicorn.log") as server:
        yield cluster, server


def raw(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode(errors="replace")
    finally:
        conn.close()


def test_database_outage_is_503_with_retry_after_and_heals_by_itself(outage):
    cluster, server = outage
    port = server.port
    status, tokens = request(
        port, "POST", "/api/auth/register/", body={"email": "o@example.com", "password": PASSWORD}
    )
    assert status == 201
    acknowledged = []
    for number in range(5):
        status, todo = request(
            port, "POST", "/api/todos/", token=tokens["access"], body={"title": f"t{number}"}
        )
        assert status == 201
        acknowledged.append(todo["id"])
    workers = sorted(server.worker_pids())
    # The admin's login form, fetched while the database is up, for a POST during the outage.
    status, headers, page = raw(port, "GET", "/admin/login/")
    csrf_cookie = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    csrf_form = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    cluster.stop(mode="immediate")
    try:
        calls = [
            ("GET", "/api/todos/", {"token": tokens["access"]}),
            ("POST", "/api/todos/", {"token": tokens["access"], "body": {"title": "lost?"}}),
            ("POST", "/api/auth/login/", {"body": {"email": "o@example.com", "password": PASSWORD}}),
            ("POST", "/api/auth/refresh/", {"token": tokens["refresh"]}),
            ("POST", "/api/auth/logout/", {"token": tokens["access"]}),
            ("GET", "/api/auth/sessions/", {"token": tokens["access"]}),
            ("GET", "/api/users/me/", {"token": tokens["access"]}),
        ]
        for _ in range(2):  # every worker meets it, and a second time with a broken pooled connection
            for method, path, kwargs in calls:
                # A refused connection is answered at once; a hang would end in the client's timeout.
                status, body = request(port, method, path, timeout=5, **kwargs)
                assert status == 503, (method, path, status, body)
                assert body["code"] == "service_unavailable" and body["detail"], (path, body)
        status, headers, text = raw(
            port, "GET", "/api/todos/", {"Authorization": f"Bearer {tokens['access']}"}
        )
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert headers["Content-Type"].startswith("application/json")

        status, headers, text = raw(port, "GET", "/api/health/")
        assert status == 503 and int(headers["Retry-After"]) > 0
        assert '"status":"unavailable"' in text and '"database":"unavailable"' in text

        status, headers, text = raw(
            port,
            "POST",
            "/admin/login/",
            {"Cookie": f"csrftoken={csrf_cookie}", "Content-Type": "application/x-www-form-urlencoded"},
            f"csrfmiddlewaretoken={csrf_form}&username=o%40example.com&password=x&next=/admin/",
        )
        assert status == 503 and int(headers["Retry-After"]) > 0, text[:500]
    finally:
        cluster.start()

    # Back by itself: the same workers, no restart.
    wait_until(lambda: request(port, "GET", "/api/health/")[0] == 200, 30, "the health check answering 200")
    for _ in range(4):  # each worker, each holding a connection from before the outage
        status, page = request(port, "GET", "/api/todos/?page_size=100", token=tokens["access"])
        assert status == 200
        assert set(acknowledged) <= {todo["id"] for todo in page["results"]}
        assert "lost?" not in {todo["title"] for todo in page["results"]}  # it was answered 503
    assert request(port, "POST", "/api/auth/refresh/", token=tokens["refresh"])[0] == 200
    assert sorted(server.worker_pids()) == workers


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restart_between_requests_costs_no_request(outage, mode):
    # Every worker holds a pooled connection that the restart ends. The health check
    # (common/db/postgresql: the socket, not a query) sees it and connects again, so the first
    # request after the restart is served like any other: not a 503, not a 500.
    cluster, server = outage
    email = f"restart-{mode}@example.com"
    status, tokens = request(
        port := server.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
    )
    assert status == 201
    for _ in range(8):
        assert request(port, "GET", "/api/users/me/", token=tokens["access"])[0] == 200
    cluster.stop(mode=mode)
    cluster.start()
    statuses = [request(port, "GET", "/api/users/me/", token=tokens["access"])[0] for _ in range(8)]
    assert statuses == [200] * 8
    status, body = request(port, "POST", "/api/auth/refresh/", token=tokens["refresh"])
    assert status == 200 and body["refresh"] != tokens["refresh"]


# A line of config.settings.LOGGING's text format; gunicorn's own lines ("[date] [pid] ...") differ.
LOG_LINE = re.compile(r"^\S+ \S+ (?P<level>[A-Z]+) (?P<logger>[\w.]+) (?P<pid>\d+) (?P<message>.*)$")
ENDED = re.compile(
    r"^Database is back after (?P<seconds>[\d.]+) s; (?P<refused>\d+) requests refused meanwhile$"
)


def log_lines(log, offset):
    """Return the lines of the application's logging written to ``log`` after byte ``offset``."""
    with open(log, "rb") as file:
        file.seek(offset)
        text = file.read().decode(errors="replace")
    return [match.groupdict() for match in map(LOG_LINE.match, text.splitlines()) if match]


class Counted:
    """Send requests from any thread; count the answers by status."""

    def __init__(self, port):
        self.port = port
        self.statuses = Counter()
        self.lock = threading.Lock()

    def __call__(self, method, path, **kwargs):
        status, _ = request(self.port, method, path, timeout=10, **kwargs)
        with self.lock:
            self.statuses[status] += 1
        return status


class Stream:
    """Threads that send ``calls`` over and over, without pause, until the block ends."""

    def __init__(self, call, calls, threads=8):
        self.call, self.calls = call, calls
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]

    def run(self):
        while not self.stopping.is_set():
            for method, path, kwargs in self.calls:
                self.call(method, path, **kwargs)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def test_an_outage_under_load_is_logged_in_a_few_lines_per_worker(cluster_and_env, tmp_path):
    cluster, env = cluster_and_env
    log = tmp_path / "gunicorn.log"
    with Gunicorn(env, workers=2, log=log) as server:
        call = Counted(server.port)
        email = "under-load@example.com"
        status, tokens = request(
            server.port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
        )
        assert status == 201
        workers = set(server.worker_pids())
        calls = [
            ("GET", "/api/todos/", {"token": tokens["access"]}),
            ("POST", "/api/auth/login/", {"body": {"email": email, "password": PASSWORD}}),
            ("GET", "/api/health/", {}),
        ]
        offset = log.stat().st_size

        def logged_by_every_worker(beginning):
            def check():
                lines = log_lines(log, offset)
                return all(
                    any(line["message"].startswith(beginning) for line in lines if line["pid"] == str(pid))
                    for pid in workers
                )

            return check

        cluster.stop(mode="immediate")
        try:
            with Stream(call, calls):
                # Load until every worker has logged a count: the outage has lasted 10 s for each.
                wait_until(
                    logged_by_every_worker("Database still unavailable"), 90, "a count from every worker"
                )
            assert not any(line["message"].startswith("Database is back") for line in log_lines(log, offset))
        finally:
            cluster.start()
        # Each worker meets the database again at its next request, and says so once.
        wait_until(
            lambda: call("GET", "/api/health/") == 200 and logged_by_every_worker("Database is back")(),
            60,
            "every worker logging the end of the outage",
        )
        assert sorted(server.worker_pids()) == sorted(workers)

    lines = log_lines(log, offset)
    assert {int(line["pid"]) for line in lines} == workers
    # Nothing but the outage's own lines: no ERROR per request from django.request, no traceback.
    assert {line["logger"] for line in lines} == {"common.outages"}, lines[:10]
    refused_per_worker = []
    for pid in workers:
        own = [line for line in lines if line["pid"] == str(pid)]
        begin, *counts, end = own
        assert begin["level"] == "ERROR"
        assert begin["message"].startswith("Database unavailable (OperationalError: ")
        assert "Connection refused" in begin["message"]
        assert counts and all(
            line["level"] == "ERROR" and line["message"].startswith("Database still unavailable: ")
            for line in counts
        ), own
        assert end["level"] == "WARNING"
        ended = ENDED.match(end["message"])
        assert ended, end
        assert len(counts) <= float(ended["seconds"]) // REPORT_SECONDS  # at most one count every 10 s
        refused_per_worker.append(int(ended["refused"]))
    # Every 503 a client got was counted by the worker that answered it, and nothing else was.
    assert set(call.statuses) == {503, 200}, call.statuses
    assert sum(refused_per_worker) == call.statuses[503]
    assert call.statuses[503] > 10 * len(lines)  # told, not shouted
