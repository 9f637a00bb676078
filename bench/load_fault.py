"""Load and fault: clients under load while a gunicorn worker is killed, then an audit.

    .venv/bin/python bench/load_fault.py                        # 60 s, 20 clients
    .venv/bin/python bench/load_fault.py --seconds 10 --clients 8
    .venv/bin/python bench/load_fault.py --redis-fault      # also kill Redis, then restart it empty

A gunicorn server (3 sync workers by default) runs on 127.0.0.1 with access tokens that
live 2 seconds, on a dedicated database: a temporary SQLite file, or, when DATABASE_URL
names PostgreSQL, the database ``<name>_loadfault_<pid>`` next to it (created and dropped
here); with REDIS_URL, Redis DB 14 of that server (``--redis-url`` to choose).

Each client registers, then in one or more threads creates todos and reads its list,
refreshing its tokens when the access token is about to expire -- single-flight: one
refresh at a time per session, the others wait for its result. Midway (once requests are
being answered) one worker gets SIGKILL (gunicorn starts another). With ``--redis-fault`` the
server uses a redis-server of its own, which gets SIGKILL at ``--redis-kill-at`` and starts
again, empty, at ``--redis-restart-at`` once requests have been answered without it: the
service must carry on from the database. The fractions count from when every client has
registered. At the end the run is audited:

* requests and responses by status, connection resets and timeouts apart;
* connection resets within the bound: the requests in flight on the killed worker, which
  is one for a sync worker (it serves one connection at a time) and, for a gthread worker
  (it accepts connections beyond its threads), every request the clients had in flight;
  nothing else resets a connection, and no request times out (goal 0);
* 5xx answered by live workers (goal 0);
* forked refresh chains (goal 0): a refresh token that got two 200s, a refresh reuse the
  server detected, or a session whose live refresh token in the database is not the last
  one its client received (sessions abandoned after a reset during their refresh excepted:
  the client cannot know whether that rotation happened);
* todos acknowledged with 201 and missing afterwards (goal 0).

Exits 1 when any goal is missed; ``--json PATH`` writes the report.
"""

import argparse
import base64
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testing.faults import RedisServer
from testing.servers import (
    PYTHON,
    ROOT,
    Gunicorn,
    is_postgres,
    migrate,
    pg_create,
    pg_database_name,
    pg_drop,
    pg_url_with_name,
    redis_available,
    redis_url_with_db,
    request,
    server_env,
    wait_until,
)

PASSWORD = "load-Fault-passw0rd-long"
ACCESS_LIFETIME = 2
RESETS = (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected, http.client.IncompleteRead,
          http.client.BadStatusLine, ConnectionRefusedError, ConnectionAbortedError)  # fmt: skip


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.statuses = Counter()  # (method path-kind, status)
        self.resets = Counter()
        self.timeouts = 0
        self.requests = 0
        self.server_errors = []
        self.slowest = 0.0

    def record(self, kind, status, seconds=0.0):
        with self.lock:
            self.slowest = max(self.slowest, seconds)
            self.requests += 1
            self.statuses[f"{kind} {status}"] += 1
            if status >= 500:
                self.server_errors.append((kind, status))

    def reset(self, kind, exc):
        with self.lock:
            self.requests += 1
            if isinstance(exc, TimeoutError):
                self.timeouts += 1
            self.resets[f"{kind} {type(exc).__name__}"] += 1


def jti_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


class Session:
    """One login of a client: its tokens, refreshed single-flight."""

    def __init__(self, body):
        self.id = body["session"]["id"]
        self.access, self.refresh = body["access"], body["refresh"]
        self.obtained = time.monotonic()
        self.generation = 0
        self.abandoned = False  # a refresh of it got no answer: its state is unknown
        self.dead = False


class Client:
    def __init__(self, number, port, stats, deadline):
        self.number, self.port, self.stats, self.deadline = number, port, stats, deadline
        self.email = f"lf{number}-{uuid.uuid4().hex[:10]}@load.invalid"
        self.lock = threading.Lock()  # the single flight of refreshes (and logins)
        self.session = None
        self.sessions = []
        self.refresh_200s = Counter()  # jti of a presented refresh token -> 200s it got
        self.acknowledged = set()  # todo ids answered with 201
        self.unexpected = Counter()

    def call(self, kind, method, path, **kwargs):
        """Return (status, body) or (None, None) after a reset or timeout (recorded either way)."""
        started = time.monotonic()
        try:
            status, body = request(self.port, method, path, timeout=30, **kwargs)
        except (*RESETS, TimeoutError, OSError) as exc:
            self.stats.reset(kind, exc)
            return None, None
        self.stats.record(kind, status, time.monotonic() - started)
        return status, body

    def start(self):
        body = {"email": self.email, "password": PASSWORD, "device_name": f"load {self.number}"}
        for _ in range(20):
            status, answer = self.call("register", "POST", "/api/auth/register/", body=body)
            if status == 201:
                self._adopt(answer)
                return
            if status == 400:  # a register whose answer was lost did create the user
                break
            time.sleep(0.2)
        self.login()

    def _adopt(self, body):
        self.session = Session(body)
        self.sessions.append(self.session)

    def login(self):
        body = {"email": self.email, "password": PASSWORD, "device_name": f"load {self.number}"}
        while time.monotonic() < self.deadline + 30:
            status, answer = self.call("login", "POST", "/api/auth/login/", body=body)
            if status == 200:
                self._adopt(answer)
                return
            time.sleep(0.1)
        raise RuntimeError("could not log in")

    def access(self):
        """Return (session, generation, access token), refreshing first when it is about to expire."""
        session = self.session
        if time.monotonic() - session.obtained > ACCESS_LIFETIME * 0.5:
            self.refresh_after(session, session.generation)
            session = self.session
        return session, session.generation, session.access

    def refresh_after(self, session, generation):
        """Refresh ``session`` unless another thread already did since ``generation``."""
        with self.lock:
            if session is not self.session or session.generation != generation:
                return  # someone else refreshed (or logged in again) meanwhile: use the result
            presented = session.refresh
            status, body = self.call("refresh", "POST", "/api/auth/refresh/", token=presented)
            if status == 200:
                self.refresh_200s[jti_of(presented)] += 1
                session.access, session.refresh = body["access"], body["refresh"]
                session.obtained = time.monotonic()
                session.generation += 1
                return
            if status is None:
                # No answer: the rotation may or may not have happened. Presenting the same
                # token again would look like theft if it did; start a new session instead.
                session.abandoned = True
            else:
                session.dead = True
                self.unexpected[f"refresh {status}"] += 1
            self.login()

    def authorized(self, kind, method, path, **kwargs):
        """Call with the access token; on 401 refresh (single-flight) and retry once."""
        for attempt in range(2):
            session, generation, access = self.access()
            status, body = self.call(kind, method, path, token=access, **kwargs)
            if status != 401:
                return status, body
            if attempt == 0:
                self.refresh_after(session, generation)
        self.unexpected[f"{kind} 401 after refresh"] += 1
        return status, body

    def work(self):
        step = 0
        while time.monotonic() < self.deadline:
            step += 1
            if step % 2:
                status, body = self.authorized(
                    "create", "POST", "/api/todos/", body={"title": f"todo {self.number}.{step}"}
                )
                if status == 201:
                    with self.lock:
                        self.acknowledged.add(body["id"])
                elif status is not None:
                    self.unexpected[f"create {status}"] += 1
            else:
                status, _ = self.authorized("list", "GET", "/api/todos/?page_size=5")
                if status not in (200, None):
                    self.unexpected[f"list {status}"] += 1

    def todos_present(self):
        """Return the ids of every todo of the client's user (after the load)."""
        self.login()
        ids, page = set(), 1
        while True:
            _, _, access = self.access()
            status, body = self.call("audit", "GET", f"/api/todos/?page_size=100&page={page}", token=access)
            if status != 200:
                raise RuntimeError(f"audit list: {status}")
            ids.update(todo["id"] for todo in body["results"])
            if not body["next"]:
                return ids
            page += 1


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--threads-per-client", type=int, default=2)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="fraction of the run when a worker is killed"
    )
    parser.add_argument("--redis-fault", action="store_true", help="kill a private Redis, then restart it")
    parser.add_argument("--redis-kill-at", type=float, default=0.3, help="fraction of the run")
    parser.add_argument("--redis-restart-at", type=float, default=0.6, help="fraction of the run")
    parser.add_argument("--database-url", default="auto")
    parser.add_argument("--redis-url", default="auto")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = run(args)
    text = json.dumps(report, indent=1)
    if args.json:
        args.json.write_text(text)
    print(summary(report))
    return 0 if report["ok"] else 1


def run(args):
    with tempfile.TemporaryDirectory(prefix="load-fault-") as tmp:
        database_url, created_pg = args.database_url, False
        if database_url == "auto":
            env_url = os.environ.get("DATABASE_URL", "")
            if is_postgres(env_url):
                name = f"{pg_database_name(env_url)}_loadfault_{os.getpid()}"
                database_url = pg_url_with_name(env_url, name)
            else:
                database_url = f"sqlite:///{tmp}/load_fault.sqlite3"
        if is_postgres(database_url):
            pg_create(database_url)
            created_pg = True
        redis_url = args.redis_url
        redis_server = None
        if args.redis_fault:
            redis_server = RedisServer(Path(tmp) / "redis").start()
            redis_url = redis_server.url
        elif redis_url == "auto":
            env_redis = os.environ.get("REDIS_URL", "")
            redis_url = redis_url_with_db(env_redis, 14) if env_redis else ""
        if redis_url and not redis_available(redis_url):
            raise SystemExit(f"Redis does not answer at {redis_url}")
        try:
            env = server_env(
                database_url=database_url,
                redis_url=redis_url,
                ACCESS_TOKEN_LIFETIME_SECONDS=ACCESS_LIFETIME,
            )
            migrate(env)
            log = Path(tmp) / "gunicorn.log"
            threads = 4 if args.worker_class == "gthread" else 1  # sync with threads > 1 would be gthread
            server = Gunicorn(
                env, workers=args.workers, worker_class=args.worker_class, threads=threads, log=log
            )
            with server:
                report = load(args, server, redis_server)
            report["database"] = "postgresql" if is_postgres(database_url) else "sqlite"
            report["redis"] = bool(redis_url)
            report.update(audit_database(env, report.pop("_clients")))
            report["forked"]["double_200"] = report.pop("forked_double_200")
            report["gunicorn_log_tail"] = log.read_text(errors="replace").splitlines()[-8:]
        finally:
            if redis_server is not None:
                redis_server.stop()
            if created_pg:
                pg_drop(database_url)
    forked = report["forked"]
    report["ok"] = bool(
        report["server_errors"] == 0
        and report["resets_total"] <= report["resets_bound"]
        and report["timeouts"] == 0
        and not forked["double_200"]
        and not forked["inconsistent_sessions"]
        and forked["reuse_events"] == 0
        and report["todos_missing"] == 0
        and report["killed_worker"]
        and (not args.redis_fault or report["redis_fault"].get("requests_while_down", 0) > 0)
        and report["requests"] > 0
    )
    return report


def resets_bound(args):
    """Return how many requests the killed worker can have in flight: all it may reset."""
    if args.worker_class == "sync":
        return 1  # one connection at a time, and the clients never keep one alive
    return args.clients * args.threads_per_client  # gthread accepts past its threads: any of them


def load(args, server, redis_server=None):
    stats = Stats()
    clients = [
        Client(number, server.port, stats, time.monotonic() + args.seconds) for number in range(args.clients)
    ]
    for client in clients:
        client.start()
    # The run's clock starts once every client has registered, so that the faults meet the load.
    started = time.monotonic()
    for client in clients:
        client.deadline = started + args.seconds
    at_start = stats.requests

    def when(fraction, condition, what):
        """Wait until ``fraction`` of the run has passed and ``condition()`` holds."""
        wait_until(
            lambda: time.monotonic() >= started + args.seconds * fraction and condition(),
            args.seconds + 120,
            what,
        )

    killed = {}

    def killer():
        when(args.kill_at, lambda: stats.requests > at_start, "requests answered before the worker is killed")
        workers = server.worker_pids()
        if workers:
            victim = workers[0]
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, signal.SIGKILL)
                killed.update(pid=victim, at=round(time.monotonic() - started, 2))

    redis_fault = {}

    def redis_killer():
        when(
            args.redis_kill_at, lambda: stats.requests > at_start, "requests answered before Redis is killed"
        )
        redis_server.kill()
        killed_after = stats.requests
        redis_fault["killed_at"] = round(time.monotonic() - started, 2)
        # Restarted only once the service has answered from the database alone.
        when(
            args.redis_restart_at,
            lambda: stats.requests - killed_after >= args.clients,
            "requests answered while Redis is down",
        )
        redis_server.start()
        redis_fault["restarted_at"] = round(time.monotonic() - started, 2)
        redis_fault["requests_while_down"] = stats.requests - killed_after

    threads = [threading.Thread(target=killer)]
    if redis_server is not None:
        threads.append(threading.Thread(target=redis_killer))
    for client in clients:
        threads += [threading.Thread(target=client.work) for _ in range(args.threads_per_client)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    workers_after = server.worker_pids()

    # Audit over HTTP: every acknowledged todo is still there.
    missing = {}
    for client in clients:
        gone = client.acknowledged - client.todos_present()
        if gone:
            missing[client.email] = sorted(gone)
    # Every session the client still holds (not abandoned) accepts its last refresh token.
    final_refresh = Counter()
    for client in clients:
        for session in client.sessions:
            if not session.abandoned and not session.dead:
                status, body = client.call(
                    "final-refresh", "POST", "/api/auth/refresh/", token=session.refresh
                )
                final_refresh[str(status)] += 1
                if status == 200:
                    client.refresh_200s[jti_of(session.refresh)] += 1
                    session.refresh = body["refresh"]
    return {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "threads_per_client": args.threads_per_client,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "killed_worker": killed,
        "redis_fault": redis_fault,
        "slowest_request_seconds": round(stats.slowest, 3),
        "workers_after": len(workers_after),
        "requests": stats.requests,
        "requests_per_second": round(stats.requests / elapsed, 1),
        "statuses": dict(sorted(stats.statuses.items())),
        "resets": dict(stats.resets),
        "resets_total": sum(stats.resets.values()),
        "resets_bound": resets_bound(args),
        "timeouts": stats.timeouts,
        "server_errors": len(stats.server_errors),
        "unexpected": dict(sum((client.unexpected for client in clients), Counter())),
        "refreshes_200": sum(sum(client.refresh_200s.values()) for client in clients),
        "sessions": sum(len(client.sessions) for client in clients),
        "sessions_abandoned_after_reset": sum(s.abandoned for c in clients for s in c.sessions),
        "final_refresh": dict(final_refresh),
        "todos_acknowledged": sum(len(client.acknowledged) for client in clients),
        "todos_missing": sum(len(ids) for ids in missing.values()),
        "todos_missing_detail": missing,
        "forked_double_200": [jti for c in clients for jti, n in c.refresh_200s.items() if n > 1],
        "_clients": clients,
    }


AUDIT = """
import json, sys
from accounts.models import DeviceSession, SecurityEvent
ids = json.load(sys.stdin)
rows = DeviceSession.objects.filter(pk__in=ids).values_list("pk", "refresh_jti", "revoked_at", "revoke_reason")
print(json.dumps({
    "sessions": {str(pk): [jti, revoked is not None, reason] for pk, jti, revoked, reason in rows},
    "reuse_events": SecurityEvent.objects.filter(type="refresh_reuse").count(),
}))
"""


def audit_database(env, clients):
    """Compare every session in the database with what its client last received."""
    held = {s.id: s for c in clients for s in c.sessions}
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "manage.py", "shell", "-c", AUDIT],
        cwd=ROOT,
        env=env,
        input=json.dumps(list(held)),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    inconsistent = []
    for session_id, session in held.items():
        if session.abandoned:
            continue
        row = found["sessions"].get(session_id)
        expected = jti_of(session.refresh)
        if session.dead:
            if row and not row[1]:
                inconsistent.append({"session": session_id, "problem": "refused by the server yet live"})
        elif row is None or row[1] or row[0] != expected:
            inconsistent.append({"session": session_id, "db": row, "client_jti": expected})
    return {
        "forked": {
            "double_200": [],
            "reuse_events": found["reuse_events"],
            "inconsistent_sessions": inconsistent,
        }
    }


def summary(report):
    forked = report["forked"]
    lines = [
        f"load-fault: {report['seconds']} s, {report['clients']} clients x {report['threads_per_client']} threads, "
        f"{report['workers']} {report['worker_class']} workers, {report['database']}"
        f"{' + Redis' if report['redis'] else ''}",
        f"  requests {report['requests']} ({report['requests_per_second']}/s); by status: {report['statuses']}",
        f"  GOAL connection resets: {report['resets_total']} (at most {report['resets_bound']}: the requests in "
        f"flight on the killed worker) {report['resets'] or ''}; timeouts: {report['timeouts']} (goal 0)",
        f"  worker killed: {report['killed_worker'] or 'NONE'}; workers afterwards: {report['workers_after']}",
        f"  Redis killed and restarted: {report['redis_fault'] or 'no'}; slowest answer: "
        f"{report['slowest_request_seconds']} s",
        f"  refreshes answered 200: {report['refreshes_200']}; sessions: {report['sessions']} "
        f"({report['sessions_abandoned_after_reset']} abandoned after a reset); final refresh: "
        f"{report['final_refresh']}",
        f"  unexpected answers: {report['unexpected'] or 0}",
        f"  GOAL 5xx from live workers: {report['server_errors']}",
        f"  GOAL forked refresh chains: {len(forked['double_200'])} tokens with two 200s, "
        f"{forked['reuse_events']} reuse detections, {len(forked['inconsistent_sessions'])} inconsistent sessions",
        f"  GOAL todos acknowledged (201) but missing: {report['todos_missing']} of {report['todos_acknowledged']}",
        "  OK" if report["ok"] else "  FAILED",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
