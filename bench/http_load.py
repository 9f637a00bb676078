"""Benchmark over gunicorn: bounded load from client threads, over keep-alive connections or new ones.

Used by ``bench/run.py``: the project's server runs ``bench.settings`` on 127.0.0.1 (and, with
``stock_port``, the stock side runs ``bench.stock_settings`` beside it). Each client thread owns
its user, sessions and refresh chains, and one keep-alive connection to each server (or, with
``new_connection``, a new connection for every request).
"""

import contextlib
import http.client
import threading
import time
import uuid
from pathlib import Path

from bench.stats import median_of_reps, summarize_rep
from testing.servers import HOST, request


def cpu_ns(pids):
    """Return the CPU time (ns) that the processes ``pids`` have used so far (/proc/<pid>/schedstat)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    return total


PASSWORD = "bench-Passw0rd-long-enough"


class Client:
    """One client thread's connection, user and tokens."""

    def __init__(self, port, list_url, *, stock_port=None, new_connection=False):
        self.port = port
        # The stock side's server (bench.stock_settings), or this one (bench.settings serves both).
        self.stock_port = stock_port or port
        self.list_url = list_url
        # Without keep-alive every request pays a TCP handshake and a worker's accept, as many
        # real clients (and load balancers that do not pool) do.
        self.new_connection = new_connection
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.stock_conn = http.client.HTTPConnection(HOST, self.stock_port, timeout=60)
        self.email = f"http-{uuid.uuid4().hex[:12]}@bench.invalid"
        body = {"email": self.email, "password": PASSWORD, "device_name": "bench"}
        status, ours = self.call("POST", "/api/auth/register/", body=body)
        assert status == 201, (status, ours)
        status, stock = self.call_stock(
            "POST", "/bench/stock/token/", body={"email": self.email, "password": PASSWORD}
        )
        assert status == 200, (status, stock)
        self.user_id = ours["user"]["id"]
        self.session_id = ours["session"]["id"]
        self.ours_access, self.ours_refresh = ours["access"], ours["refresh"]
        self.stock_access, self.stock_refresh = stock["access"], stock["refresh"]

    def call(self, method, path, **kwargs):
        return self._send("conn", self.port, method, path, **kwargs)

    def call_stock(self, method, path, **kwargs):
        return self._send("stock_conn", self.stock_port, method, path, **kwargs)

    def _send(self, conn_name, port, method, path, **kwargs):
        """Send over the keep-alive connection ``conn_name`` to ``port`` (a new one after an error)."""
        if self.new_connection:
            return request(port, method, path, **kwargs)
        try:
            return request(port, method, path, conn=getattr(self, conn_name), **kwargs)
        except (http.client.HTTPException, OSError):
            getattr(self, conn_name).close()
            setattr(self, conn_name, http.client.HTTPConnection(HOST, port, timeout=60))
            raise

    # The operations: each returns the status code.
    def login_ours(self):
        body = {"email": self.email, "password": PASSWORD, "device_name": "bench"}
        return self.call("POST", "/api/auth/login/", body=body)[0]

    def login_stock(self):
        return self.call_stock(
            "POST", "/bench/stock/token/", body={"email": self.email, "password": PASSWORD}
        )[0]

    def refresh_ours(self):
        status, body = self.call("POST", "/api/auth/refresh/", token=self.ours_refresh)
        if status == 200:
            self.ours_refresh = body["refresh"]
        return status

    def refresh_stock(self):
        status, body = self.call_stock("POST", "/bench/stock/refresh/", body={"refresh": self.stock_refresh})
        if status == 200:
            self.stock_refresh = body["refresh"]
        return status

    def get_ours(self):
        return self.call("GET", self.list_url, token=self.ours_access)[0]

    def get_stock(self):
        return self.call_stock("GET", "/bench/stock/list/", token=self.stock_access)[0]

    def get_anon(self):
        return self.call("GET", "/bench/anon/list/", headers={"X-Bench-User": str(self.user_id)})[0]

    def get_anon_stock(self):
        return self.call_stock("GET", "/bench/anon/list/", headers={"X-Bench-User": str(self.user_id)})[0]

    def floor(self):
        return self.call("GET", f"/bench/floor/?sid={self.session_id}")[0]


OPERATIONS = (
    "login_ours",
    "login_stock",
    "refresh_ours",
    "refresh_stock",
    "get_ours",
    "get_stock",
    "get_anon",
    "get_anon_stock",
    "floor",
)


def load(clients, operation, *, seconds, max_requests, worker_pids=None):
    """Run ``operation`` on every client at once for ``seconds`` (at most ``max_requests``).

    With ``worker_pids`` (a callable returning the server's worker pids), also report the
    workers' CPU time per request (``cpu_ms``): what a request costs the server, whatever
    the client threads and the database spend beside it.
    """
    latencies, failures = [], []
    lock = threading.Lock()
    budget = [max_requests]
    start = threading.Barrier(len(clients) + 1)
    deadline = [0.0]

    def worker(client):
        mine, bad = [], []
        start.wait()
        method = getattr(client, operation)
        while time.perf_counter() < deadline[0]:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            t0 = time.perf_counter()
            try:
                status = method()
            except (http.client.HTTPException, OSError) as exc:
                bad.append(type(exc).__name__)
                continue
            mine.append(time.perf_counter() - t0)
            if status >= 300:
                bad.append(status)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=worker, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    pids = worker_pids() if worker_pids else []  # the workers of the server this operation calls
    cpu_before = cpu_ns(pids)
    deadline[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_used = cpu_ns(pids) - cpu_before
    result = summarize_rep(latencies, elapsed)
    if pids and latencies:
        result["cpu_ms"] = cpu_used / 1e6 / len(latencies)
    result["failures"] = len(failures)
    if failures:
        result["failure_sample"] = failures[:5]
    return result


def balance(clients, workers, attempts=100):
    """Reconnect clients until their keep-alive connections spread evenly over the workers."""
    share = -(-len(clients) // workers)
    counts = {}
    for client in clients:
        for _ in range(attempts):
            pid = client.call("GET", "/bench/pid/")[1]["pid"]
            if counts.get(pid, 0) < share:
                break
            client.conn.close()
            client.conn = http.client.HTTPConnection(HOST, client.port, timeout=60)
        counts[pid] = counts.get(pid, 0) + 1
    return counts


def run(
    port,
    list_url,
    *,
    stock_port=None,
    workers,
    connections=4,
    seconds=3.0,
    reps=3,
    max_requests=20000,
    login_seconds=None,
    new_connection=False,
    worker_pids=None,
):
    clients = [
        Client(port, list_url, stock_port=stock_port, new_connection=new_connection)
        for _ in range(connections)
    ]
    # New connections land on whichever worker accepts them: nothing to balance.
    spread = {} if new_connection else balance(clients, workers)
    for operation in OPERATIONS:  # warm every worker up
        load(clients, operation, seconds=0.5, max_requests=connections * (1 if "login" in operation else 20))
    reps_by_op = {operation: [] for operation in OPERATIONS}
    for rep in range(reps):
        for operation in OPERATIONS if rep % 2 == 0 else reversed(OPERATIONS):
            length = (login_seconds or seconds) if "login" in operation else seconds
            side = "stock" if operation.endswith("_stock") else "ours"
            pids = (
                worker_pids.get(side, worker_pids.get("ours"))
                if isinstance(worker_pids, dict)
                else worker_pids
            )
            reps_by_op[operation].append(
                load(clients, operation, seconds=length, max_requests=max_requests, worker_pids=pids)
            )
    timing = {}
    for operation, values in reps_by_op.items():
        timing[operation] = median_of_reps(values)
        timing[operation]["failures"] = sum(rep["failures"] for rep in values)
    for client in clients:
        client.conn.close()
        client.stock_conn.close()
    return {
        "mode": "gunicorn",
        "connections_per_worker": sorted(spread.values()),
        "connections": connections,
        "seconds": seconds,
        "reps": reps,
        "timing": timing,
    }


def revocation_in_every_worker(port, list_url, workers):
    """Warm a session's access token in every worker, log out, and count the workers refusing it."""
    email = f"revoke-{uuid.uuid4().hex[:12]}@bench.invalid"
    status, tokens = request(
        port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD, "device_name": "r"}
    )
    assert status == 201, status
    by_pid = {}
    spare = []
    for _ in range(200):
        if len(by_pid) >= workers:
            break
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        _, body = request(port, "GET", "/bench/pid/", conn=conn)
        if body["pid"] in by_pid:
            spare.append(conn)
        else:
            by_pid[body["pid"]] = conn
    for conn in spare:
        conn.close()
    served = {
        pid: request(port, "GET", list_url, token=tokens["access"], conn=conn)[0]
        for pid, conn in by_pid.items()
    }
    served2 = {
        pid: request(port, "GET", list_url, token=tokens["access"], conn=conn)[0]
        for pid, conn in by_pid.items()
    }
    status, _ = request(port, "POST", "/api/auth/logout/", token=tokens["access"])
    assert status == 204, status
    after = {
        pid: request(port, "GET", list_url, token=tokens["access"], conn=conn)[0]
        for pid, conn in by_pid.items()
    }
    for conn in by_pid.values():
        conn.close()
    return {
        "workers_reached": len(by_pid),
        "served_before": sorted(set(served.values()) | set(served2.values())),
        "refused_after": sum(1 for status in after.values() if status == 401),
        "statuses_after": sorted(after.values()),
    }
