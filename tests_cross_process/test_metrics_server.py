"""/metrics of a real gunicorn server: summed over its workers, through gunicorn.conf.py's multiprocess directory.

The master gives its workers an empty directory (the deployer's, emptied, or one of its own,
removed at the end); a scrape answered by any one worker counts every worker's requests; a
worker that dies is dropped from the live gauges.
"""

import http.client
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from testing.servers import PYTHON, ROOT, Gunicorn, migrate, request, server_env, wait_until


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    directory = tmp_path_factory.mktemp("metrics-server")
    environment = server_env(database_url=f"sqlite:///{directory}/db.sqlite3")
    migrate(environment)
    return environment


def scrape(server):
    """Return {(name, frozenset(labels)): value} of one scrape."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        assert response.status == 200
        text = response.read().decode()
    finally:
        conn.close()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def refused_todo_lists(samples):
    """Return how many GETs of the todo list were answered 401 (the start-up's health probes count elsewhere)."""
    return samples.get(
        (
            "http_requests_total",
            frozenset({"method": "GET", "route": "/api/todos/", "status": "401"}.items()),
        ),
        0.0,
    )


def metrics_directory(server) -> Path:
    """Return the directory the master gave its workers, as its log says (it set it after its own start)."""
    for line in Path(server.log).read_text().splitlines():
        if "Metrics of the workers in " in line:
            return Path(line.split("Metrics of the workers in ", 1)[1].strip())
    raise AssertionError("the master named no metrics directory")


def test_a_scrape_sums_every_workers_requests_and_the_servers_own_directory_goes_with_it(env, tmp_path):
    with Gunicorn(env, workers=3, log=tmp_path / "server.log") as server:
        directory = metrics_directory(server)
        assert directory.is_dir()
        before = refused_todo_lists(scrape(server))
        for _ in range(60):  # a new connection each: the kernel spreads them over the workers
            assert request(server.port, "GET", "/api/todos/")[0] == 401
        after = refused_todo_lists(scrape(server))
        assert after - before == 60
        wrote = {int(path.stem.rsplit("_", 1)[1]) for path in directory.glob("counter_*.db")}
        assert set(server.worker_pids()) <= wrote
    assert not directory.exists()


def outcome(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_the_accounts_counters_are_summed_over_the_workers(env, tmp_path):
    """Logins, refreshes and revocations that landed on any of three workers, in one scrape of any one."""
    with Gunicorn(env, workers=3, log=tmp_path / "server.log") as server:
        account = {"email": "counted@example.com", "password": "a-Long-enough-passw0rd"}
        assert request(server.port, "POST", "/api/auth/register/", body=account)[0] == 201
        before = scrape(server)
        refreshes = []
        for _ in range(12):  # a new connection each: spread over the workers
            status, body = request(server.port, "POST", "/api/auth/login/", body=account)
            assert status == 200
            refreshes.append(body["refresh"])
        for token in refreshes:
            assert request(server.port, "POST", "/api/auth/refresh/", token=token)[0] == 200
        for token in refreshes[:5]:  # rotated past: reuse, each revoking its session
            assert request(server.port, "POST", "/api/auth/refresh/", token=token)[0] == 401
        after = scrape(server)
    grown = {
        (name, value): outcome(after, name, **{label: value}) - outcome(before, name, **{label: value})
        for name, label, value in (
            ("auth_login_total", "outcome", "ok"),
            ("auth_refresh_total", "outcome", "ok"),
            ("auth_refresh_total", "outcome", "reuse"),
            ("sessions_revoked_total", "reason", "reuse_detected"),
        )
    }
    assert grown == {
        ("auth_login_total", "ok"): 12,
        ("auth_refresh_total", "ok"): 12,
        ("auth_refresh_total", "reuse"): 5,
        ("sessions_revoked_total", "reuse_detected"): 5,
    }


def test_a_deployers_directory_is_emptied_at_the_start_and_kept(env, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    # A previous run's counter, written by prometheus_client in multiprocess mode.
    subprocess.run(  # noqa: S603 - a fixed command line
        [
            PYTHON,
            "-c",
            "from prometheus_client import Counter; "
            "Counter('http_requests', 'x', ['method', 'route', 'status']).labels('GET', '/stale/', '200').inc(5)",
        ],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)},
        cwd=ROOT,
        check=True,
        timeout=60,
    )
    assert list(directory.glob("counter_*.db"))
    with Gunicorn({**env, "PROMETHEUS_MULTIPROC_DIR": str(directory)}, log=tmp_path / "server.log") as server:
        samples = scrape(server)
        assert not [labels for name, labels in samples if ("route", "/stale/") in labels]
        assert metrics_directory(server) == directory
    assert directory.is_dir()


def test_a_dead_worker_leaves_the_live_gauges(env, tmp_path):
    # Redis at a port that refuses: the worker that asks it counts an outage.
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    try:
        dead_redis = f"redis://127.0.0.1:{holder.getsockname()[1]}/0"
        with Gunicorn({**env, "REDIS_URL": dead_redis}, workers=1, log=tmp_path / "server.log") as server:
            assert request(server.port, "GET", "/api/health/")[1]["redis"] == "unavailable"
            redis_outage = ("outage_processes", frozenset({("service", "redis")}))
            assert scrape(server)[redis_outage] == 1
            (worker,) = server.worker_pids()
            os.kill(worker, signal.SIGKILL)
            wait_until(lambda: server.worker_pids() not in ([], [worker]), 30, "a new worker")
            wait_until(
                lambda: request(server.port, "GET", "/api/auth/register/")[0] == 405,
                30,
                "the new worker serving",
            )
            assert scrape(server)[redis_outage] == 0
    finally:
        holder.close()
