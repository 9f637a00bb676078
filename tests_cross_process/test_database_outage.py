"""PostgreSQL stopped under a running server (``pg_ctl -m immediate``), then started again.

The server answers 503 with ``Retry-After`` (JSON under /api/, never a 500) while the database
is away, serves again by itself when it returns (the same worker processes), and has lost
nothing it acknowledged with a 2xx. The cluster is the test's own (initdb on a free port).
"""

import http.client
import re
import time

import pytest

from testing.faults import gunicorn_on_own_cluster, postgres_installed
from testing.servers import HOST, request

PASSWORD = "outage-Passw0rd-long"

pytestmark = pytest.mark.skipif(not postgres_installed(), reason="needs PostgreSQL's server binaries")


@pytest.fixture(scope="module")
def outage(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pg-outage")
    with gunicorn_on_own_cluster(directory, "outage", DB_CONNECT_TIMEOUT_SECONDS=2) as (
        cluster,
        _,
        _,
        server,
    ):
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
                started = time.monotonic()
                status, body = request(port, method, path, **kwargs)
                assert status == 503, (method, path, status, body)
                assert body["code"] == "service_unavailable" and body["detail"], (path, body)
                assert time.monotonic() - started < 5
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
    deadline = time.monotonic() + 30
    while request(port, "GET", "/api/health/")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
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
