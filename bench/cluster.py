"""Several app nodes behind a load balancer, measured, with a node, Redis's master and PgBouncer failing midway.

    .venv/bin/python bench/cluster.py                  # 3 nodes, ~6 minutes
    .venv/bin/python bench/cluster.py --quick          # the short run CI uses, ~2 minutes
    make cluster-bench  /  make cluster-bench-quick

Everything runs on this machine, on 127.0.0.1 and free ports, and is stopped by its process id at
the end (never by name): a private PostgreSQL cluster; PgBouncer in transaction pooling in front
of it; a Redis master, a replica and Sentinels; N app nodes, each a gunicorn master of its own
with gunicorn.conf.py and W sync workers, all with ``DB_PREPARED_STATEMENTS=false``, Redis
through the Sentinels and ``NUM_PROXIES=1``; HAProxy in front of the nodes, checking each on
``/api/health/``. The clients talk to HAProxy over keep-alive connections, except the revocation
probes and the refresh races, which talk to the nodes directly.

Phases, in order (seconds from ``--phase-seconds``):

* ``quiet``: every client thread refreshes its session, reads its todos and creates todos;
* ``refresh``: refreshes only: refreshes answered per CPU-second that the app nodes used
  (masters and workers, from /proc/<pid>/schedstat): ``refresh_per_vcpu``;
* ``login``: logins only (Argon2, as configured): ``logins_per_vcpu``;
* ``storm``: the same refreshes, plus many logins at once: ``storm_refresh_p95_ratio`` is the
  refresh p95 here over the ``refresh`` phase's;
* ``faults``: the ``quiet`` mix while one node is killed (SIGKILL to its process group), then
  Redis's master (the Sentinels promote the replica), then PgBouncer is stopped and started
  again; the killed node is started again at the end;
* ``after``: the ``quiet`` mix again, on every node.

Each fault opens a *failover window*, from the fault until the service is whole again, as
measured: the balancer reports the killed node down; every live node's health check says
``redis: ok`` (its breaker closed on the new master); every live node answers its health check
and the balancer has them all up again. A 5xx (or a request with no answer) whose time overlaps
no window counts in ``five_xx_outside_failover``.

Audits: **forks**, a refresh token that two answers continued with different tokens (every
refresh is tried again, with the same token, after a 5xx or no answer: the grace window must
answer the same pair; a race thread refreshes one token on two nodes at once), or a session
whose refresh token in the database is not the last one its client received; **missed
revocations**, a probe session (warmed in every live node's cache) logged out on one node and
then served by any node (in the quiet phases and the fault windows; during a Redis failover the
bound is ``SESSION_CACHE_SECONDS``, which is what is checked there); **lost**, todos answered
201 and missing from the database at the end.

The last line is one summary to parse::

    refresh_per_vcpu=N logins_per_vcpu=N storm_refresh_p95_ratio=N lost=N forks=N missed_revocations=N five_xx_outside_failover=N

It exits 1 when lost, forks or missed revocations are not 0, or a 5xx came outside the windows.
"""

import argparse
import base64
import collections
import contextlib
import functools
import http.client
import json
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import percentile
from testing.faults import HttpBalancer, PgBouncer, PostgresCluster, RedisWithSentinel
from testing.servers import HOST, Gunicorn, migrate, request, server_env, wait_until

PASSWORD = "cluster-Bench-passw0rd"
GRACE_SECONDS = 30
SESSION_CACHE_SECONDS = 30
REQUEST_TIMEOUT = 15
SUMMARY_KEYS = (
    "refresh_per_vcpu",
    "logins_per_vcpu",
    "storm_refresh_p95_ratio",
    "lost",
    "forks",
    "missed_revocations",
    "five_xx_outside_failover",
)
PROBED_PHASES = ("quiet", "faults", "after")  # the measured phases pay for no probe logins


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ns(pids) -> int:
    """Return the CPU time (ns) the processes ``pids`` used so far, every thread of theirs included.

    From /proc/<pid>/stat (user and system time): Argon2 hashes a password on threads of its own,
    whose time /proc/<pid>/schedstat (the main thread's) would leave out.
    """
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime: the 14th and 15th fields
    return total * 1_000_000_000 // CLOCK_TICKS


def jti_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["jti"]


# --- The cluster ------------------------------------------------------------------------------


class Cluster:
    """Every process of the run, started in order and stopped in reverse, whatever happens."""

    def __init__(self, args, directory: Path):
        self.args, self.directory = args, directory
        self.stack = contextlib.ExitStack()
        self.nodes: list[Gunicorn] = []
        self.killed: set[int] = set()

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc):
        self.stack.close()

    def start(self):
        args, directory = self.args, self.directory
        say("starting PostgreSQL, PgBouncer, Redis with Sentinel")
        self.postgres = self.stack.enter_context(PostgresCluster())
        self.database = self.postgres.create_database("cluster")
        self.bouncer = self.stack.enter_context(
            PgBouncer(self.postgres.port, pool_size=args.pool_size, max_clients=400)
        )
        self.redis = self.stack.enter_context(
            RedisWithSentinel(directory / "redis", sentinels=args.sentinels)
        )
        self.env = server_env(
            database_url=self.bouncer.url("cluster"),
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="cluster-bench-" + uuid.uuid4().hex,
            DJANGO_SECURE_SSL_REDIRECT="false",
            DB_PREPARED_STATEMENTS="false",
            REDIS_SENTINELS=",".join(self.redis.sentinel_addresses),
            REDIS_SENTINEL_MASTER=self.redis.name,
            NUM_PROXIES=1,
            AUTH_THROTTLE_RATE="none",
            REFRESH_REUSE_GRACE_SECONDS=GRACE_SECONDS,
            SESSION_CACHE_SECONDS=SESSION_CACHE_SECONDS,
            LOG_LEVEL="WARNING",
        )
        say("migrating through PgBouncer")
        migrate(self.env)
        say(f"starting {args.nodes} app nodes of {args.workers} workers")
        self.nodes = [
            Gunicorn(self.env, workers=args.workers, log=directory / f"node{n}.log")
            for n in range(args.nodes)
        ]
        for node in self.nodes:
            self.stack.callback(node.stop)
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(lambda node: node.start(timeout=120), self.nodes))
        self.balancer = self.stack.enter_context(
            HttpBalancer(
                directory / "haproxy",
                [node.port for node in self.nodes],
                check_ms=args.check_ms,
                maxconn=args.workers,
                login_lane=args.login_lane,
            )
        )
        wait_until(self.all_up, 30, "the balancer seeing every node up", interval=0.1)

    # The app nodes

    def live_nodes(self) -> list[Gunicorn]:
        return [node for n, node in enumerate(self.nodes) if n not in self.killed]

    def app_pids(self) -> list[int]:
        pids = []
        for node in self.live_nodes():
            if node.process is not None and node.process.poll() is None:
                pids += [node.process.pid, *node.worker_pids()]
        return pids

    def kill_node(self, n: int):
        """Kill node ``n``'s master and workers at once (SIGKILL to its process group)."""
        self.killed.add(n)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.nodes[n].process.pid, signal.SIGKILL)
        self.nodes[n].process.wait(timeout=10)

    def restart_node(self, n: int):
        self.nodes[n].start(timeout=120)
        self.killed.discard(n)

    def health(self, node) -> tuple[int | None, dict]:
        try:
            return request(node.port, "GET", "/api/health/", timeout=5)
        except OSError:
            return None, {}

    def all_up(self) -> bool:
        states = self.balancer.states()
        return all(states.get(node.port) == "UP" for node in self.live_nodes())


# --- What the clients saw ---------------------------------------------------------------------


class Record:
    """Every request: (operation, phase, start, end, status or None when no answer came)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []
        self.windows = []  # [name, start, end]
        self.phases = []  # [name, start, end, app CPU ns used]

    def add(self, operation, phase, start, end, status):
        with self.lock:
            self.samples.append((operation, phase, start, end, status))

    def in_window(self, start, end) -> bool:
        return any(start <= w_end and end >= w_start for _, w_start, w_end in self.windows)


class Balanced:
    """One client thread's keep-alive connection to the balancer."""

    STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)

    def __init__(self, port, record, state):
        self.port, self.record, self.state = port, record, state
        self.conn = None

    def call(self, operation, method, path, **kwargs):
        """Return (status, body), or (None, None) when no answer came; record it either way.

        A kept-alive connection that the balancer closed while idle fails before the request
        reaches anyone: sent again once on a new connection, as browsers do.
        """
        start = time.monotonic()
        status, body = None, None
        for attempt in range(2):
            reused = self.conn is not None
            try:
                if self.conn is None:
                    self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
                status, body = request(self.port, method, path, conn=self.conn, **kwargs)
                break
            except (http.client.HTTPException, OSError) as exc:
                with contextlib.suppress(Exception):
                    self.conn.close()
                self.conn = None
                if not (reused and isinstance(exc, self.STALE)) or attempt:
                    break
        self.record.add(operation, self.state.phase, start, time.monotonic(), status)
        return status, body


class State:
    def __init__(self):
        self.phase = "setup"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.successors = collections.defaultdict(set)  # presented refresh jti -> jtis that continued it
        self.acknowledged = set()  # todo ids answered 201
        self.sessions = []  # every Session a client held, for the audit
        self.probes = []  # revocation probes' results


class Session:
    """One login's tokens, as its client last received them."""

    def __init__(self, tokens):
        self.id = tokens["session"]["id"]
        self.access, self.refresh_token = tokens["access"], tokens["refresh"]
        self.ended = False  # refused by the server: the client let it go
        self.abandoned = False  # a refresh of it never got an answer: its state is unknown


class Chain:
    """A client's session: refreshed with retries (the same token again after a 5xx or no answer)."""

    def __init__(self, client: Balanced, state: State, email: str, tokens: dict):
        self.client, self.state, self.email = client, state, email
        self.session = self.new_session(tokens)

    def new_session(self, tokens):
        session = Session(tokens)
        with self.state.lock:
            self.state.sessions.append(session)
        return session

    @property
    def access(self):
        return self.session.access

    def adopt(self, tokens):
        self.session.access, self.session.refresh_token = tokens["access"], tokens["refresh"]

    def refresh(self, operation="refresh"):
        session = self.session
        presented = session.refresh_token
        for attempt in range(40):
            status, body = self.client.call(operation, "POST", "/api/auth/refresh/", token=presented)
            if status == 200:
                with self.state.lock:
                    self.state.successors[jti_of(presented)].add(jti_of(body["refresh"]))
                self.adopt(body)
                return True
            if status is not None and status < 500:
                session.ended = True  # refused: this chain ends
                break
            time.sleep(min(1.0, 0.1 * 2**attempt))  # as a client backs off
        else:
            session.abandoned = True
        self.relogin()
        return False

    def relogin(self):
        for attempt in range(100):
            status, body = self.client.call(
                "relogin", "POST", "/api/auth/login/", body=login_body(self.email)
            )
            if status == 200:
                self.session = self.new_session(body)
                return
            time.sleep(min(1.0, 0.1 * 2**attempt))
        raise RuntimeError("could not log in again")

    def read(self):
        status, _ = self.client.call("get", "GET", "/api/todos/?page_size=5", token=self.access)
        if status == 401:
            self.refresh()

    def create(self):
        status, body = self.client.call(
            "create", "POST", "/api/todos/", token=self.access, body={"title": "cluster"}
        )
        if status == 201:
            with self.state.lock:
                self.state.acknowledged.add(body["id"])
        elif status == 401:
            self.refresh()


def login_body(email):
    return {"email": email, "password": PASSWORD, "device_name": "cluster bench"}


def chain_worker(chain: Chain, state: State):
    step = 0
    while not state.stop.is_set():
        phase = state.phase
        if phase in ("refresh", "storm"):
            chain.refresh()
        elif phase == "login":
            chain.client.call("login", "POST", "/api/auth/login/", body=login_body(chain.email))
        elif phase in PROBED_PHASES:
            step += 1
            if step % 4 == 0:
                chain.refresh()
            elif step % 4 == 2:
                chain.create()
            else:
                chain.read()
        else:
            time.sleep(0.05)


def storm_worker(client: Balanced, state: State, email: str):
    while not state.stop.is_set():
        if state.phase == "storm":
            client.call("storm_login", "POST", "/api/auth/login/", body=login_body(email))
        else:
            time.sleep(0.02)


def probed_moments(state: State, every: float):
    """Yield every ``every`` s while the run lasts, in the phases that are probed."""
    while not state.stop.is_set():
        time.sleep(every)
        if state.phase in PROBED_PHASES:
            yield


def race_worker(cluster: Cluster, state: State, record: Record, chain: Chain):
    """Now and then refresh one token on two nodes at once: both answers must carry the same token."""
    for _ in probed_moments(state, 1.0):
        nodes = cluster.live_nodes()
        if len(nodes) < 2:
            continue
        pair = secrets.SystemRandom().sample(nodes, 2)
        presented = chain.session.refresh_token
        race = functools.partial(
            direct, record, state, operation="race", method="POST", path="/api/auth/refresh/", token=presented
        )
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(lambda node, race=race: race(node=node), pair))
        accepted = [body for status, body in answers if status == 200]
        with state.lock:
            for body in accepted:
                state.successors[jti_of(presented)].add(jti_of(body["refresh"]))
        if accepted:
            chain.adopt(accepted[0])
        elif any(status is not None and status < 500 for status, _ in answers):
            chain.session.ended = True
            chain.relogin()
        else:
            chain.refresh("race")  # neither answered: the same token again, through the balancer


def direct(record, state, node, operation, method, path, **kwargs):
    """Call one node directly (no balancer); record it; return (status, body) or (None, None).

    A call that found the node killed by the run itself is not recorded: no client reaches a
    dead node but through the balancer, whose answers are what count.
    """
    start = time.monotonic()
    try:
        status, body = request(node.port, method, path, timeout=REQUEST_TIMEOUT, **kwargs)
    except (http.client.HTTPException, OSError):
        if node.process is None or node.process.poll() is not None:
            return None, None
        status, body = None, None
    record.add(operation, state.phase, start, time.monotonic(), status)
    return status, body


def probe_worker(cluster: Cluster, state: State, record: Record, email: str):
    """Revoke a session warmed in every node's cache on one node; every node must refuse it at once."""
    for _ in probed_moments(state, 0.5):
        nodes = cluster.live_nodes()
        status, tokens = direct(
            record, state, secrets.choice(nodes), "probe", "POST", "/api/auth/login/", body=login_body(email)
        )
        if status != 200:
            continue
        access = tokens["access"]
        warm = [
            direct(record, state, node, "probe", "GET", "/api/todos/", token=access)[0] for node in nodes * 2
        ]
        if set(warm) != {200}:
            continue
        started = time.monotonic()
        revoker = secrets.choice(nodes)
        if direct(record, state, revoker, "probe", "POST", "/api/auth/logout/", token=access)[0] != 204:
            continue
        served = [
            node
            for node in nodes
            if direct(record, state, node, "probe", "GET", "/api/todos/", token=access)[0] == 200
        ]
        refused_after = 0.0
        if served:
            # Still served somewhere: how long until every node refuses it (the bound where Redis failed)?
            deadline = time.monotonic() + SESSION_CACHE_SECONDS + 5
            while served and time.monotonic() < deadline:
                time.sleep(0.2)
                served = [
                    node
                    for node in served
                    if direct(record, state, node, "probe", "GET", "/api/todos/", token=access)[0] == 200
                ]
            refused_after = time.monotonic() - started
        with state.lock:
            state.probes.append(
                {
                    "start": started,
                    "end": time.monotonic(),
                    "phase": state.phase,
                    "missed_at_once": refused_after > 0,
                    "refused_after": refused_after,
                    "never_refused": bool(served),
                }
            )


# --- The run ----------------------------------------------------------------------------------


def say(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def run(args, directory: Path) -> dict:
    record, state = Record(), State()
    with Cluster(args, directory) as cluster:
        port = cluster.balancer.port
        say(f"registering {args.clients + args.storm + 2} users through the balancer")
        emails = [
            f"c{n}-{uuid.uuid4().hex[:8]}@cluster.invalid" for n in range(args.clients + args.storm + 2)
        ]

        def register(email):
            client = Balanced(port, record, state)
            for _ in range(50):
                status, body = client.call("register", "POST", "/api/auth/register/", body=login_body(email))
                if status == 201:
                    return client, body
                time.sleep(0.2)
            raise RuntimeError(f"could not register {email}")

        with ThreadPoolExecutor(8) as pool:
            registered = list(pool.map(register, emails))
        chains = [
            Chain(client, state, email, body)
            for email, (client, body) in zip(emails, registered, strict=False)
        ]
        probe_email, race_chain = emails[-1], chains[-2]
        storm_clients = registered[args.clients : args.clients + args.storm]
        threads = [
            threading.Thread(target=chain_worker, args=(chain, state)) for chain in chains[: args.clients]
        ]
        threads += [
            threading.Thread(target=storm_worker, args=(client, state, email))
            for (client, _), email in zip(storm_clients, emails[args.clients :], strict=False)
        ]
        threads.append(threading.Thread(target=race_worker, args=(cluster, state, record, race_chain)))
        threads.append(threading.Thread(target=probe_worker, args=(cluster, state, record, probe_email)))
        for thread in threads:
            thread.daemon = True
            thread.start()
        try:
            faults = drive(args, cluster, record, state)
        finally:
            state.stop.set()
            for thread in threads:
                thread.join(timeout=REQUEST_TIMEOUT * 3)
        say("auditing the database")
        audit = audit_database(cluster, state)
        logs = {
            node.log.name: node.log.read_text(errors="replace").count("Traceback") for node in cluster.nodes
        }
    return summarize(args, record, state, faults, audit, logs)


def phase(cluster, record, state, name, seconds):
    say(f"phase {name} ({seconds:g} s)")
    pids = cluster.app_pids()
    cpu_before, start = cpu_ns(pids), time.monotonic()
    state.phase = name
    time.sleep(seconds)
    end = time.monotonic()
    record.phases.append([name, start, end, cpu_ns(pids) - cpu_before])


def drive(args, cluster: Cluster, record: Record, state: State) -> dict:
    seconds = args.phase_seconds
    for name in ("quiet", "refresh", "login", "storm"):
        phase(cluster, record, state, name, seconds)
    faults = {}
    say("phase faults")
    start = time.monotonic()
    state.phase = "faults"
    time.sleep(seconds / 3)

    def window(name, begin, whole_again, timeout=60):
        began = time.monotonic()
        begin()
        wait_until(whole_again, timeout, f"the service whole again after {name}", interval=0.1)
        ended = time.monotonic()
        record.windows.append([name, began, ended])
        faults[name] = round(ended - began, 2)
        say(f"  {name}: window {ended - began:.2f} s")
        time.sleep(args.settle_seconds)

    victim = len(cluster.nodes) - 1
    window(
        "node_killed",
        lambda: cluster.kill_node(victim),
        lambda: cluster.balancer.states().get(cluster.nodes[victim].port, "").startswith("DOWN"),
    )

    def fail_redis():
        began = time.monotonic()
        cluster.redis.fail_over()
        faults["redis_promoted_after"] = round(time.monotonic() - began, 2)

    window(
        "redis_failover",
        fail_redis,
        lambda: all(cluster.health(node)[1].get("redis") == "ok" for node in cluster.live_nodes()),
    )

    def bounce():
        cluster.bouncer.stop()
        time.sleep(args.pgbouncer_down_seconds)
        cluster.bouncer.start()

    window(
        "pgbouncer_restart",
        bounce,
        lambda: all(cluster.health(node)[0] == 200 for node in cluster.live_nodes()) and cluster.all_up(),
    )
    say("  starting the killed node again")
    cluster.restart_node(victim)
    wait_until(cluster.all_up, 60, "the balancer seeing the restarted node up", interval=0.1)
    time.sleep(args.settle_seconds)
    record.phases.append(["faults", start, time.monotonic(), 0])
    phase(cluster, record, state, "after", seconds)
    state.phase = "done"
    return faults


def audit_database(cluster: Cluster, state: State) -> dict:
    """Compare the database with what the clients were told: every session's token, every acknowledged todo."""
    import psycopg

    held = {session.id: session for session in state.sessions if not session.ended and not session.abandoned}
    acknowledged = sorted(state.acknowledged)
    with psycopg.connect(cluster.database, connect_timeout=10) as conn:
        rows = dict(
            conn.execute(
                "SELECT id::text, refresh_jti::text FROM accounts_devicesession WHERE id::text = ANY(%s)",
                [list(held)],
            ).fetchall()
        )
        present = {
            row[0]
            for row in conn.execute("SELECT id FROM todos_todo WHERE id = ANY(%s)", [acknowledged]).fetchall()
        }
    # A session whose live token in the database is not the one its client holds went two ways.
    inconsistent = [sid for sid, session in held.items() if rows.get(sid) != jti_of(session.refresh_token)]
    return {
        "lost": len(set(acknowledged) - present),
        "acknowledged": len(acknowledged),
        "inconsistent": inconsistent,
    }


def summarize(args, record, state, faults, audit, tracebacks) -> dict:
    samples = record.samples
    phases = {}
    for name, start, end, cpu in record.phases:
        mine = [s for s in samples if start <= s[2] < end]
        by_op = collections.defaultdict(list)
        for operation, _, s_start, s_end, status in mine:
            by_op[operation].append((s_end - s_start, status))
        ops = {}
        for operation, values in sorted(by_op.items()):
            latencies = [d for d, status in values if status is not None]
            ops[operation] = {
                "n": len(values),
                "per_second": round(len(values) / (end - start), 1),
                "p50_ms": round(percentile(latencies, 0.50) * 1000, 1) if latencies else None,
                "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
                "ok": sum(1 for _, status in values if status is not None and status < 400),
                "5xx": sum(1 for _, status in values if status is not None and status >= 500),
                "no_answer": sum(1 for _, status in values if status is None),
            }
        phases[name] = {
            "seconds": round(end - start, 1),
            "requests_per_second": round(len(mine) / (end - start), 1),
            "app_cpu_seconds": round(cpu / 1e9, 2),
            "5xx": sum(1 for s in mine if s[4] is not None and s[4] >= 500),
            "no_answer": sum(1 for s in mine if s[4] is None),
            "operations": ops,
        }

    def per_cpu(name, operation):
        cpu = phases[name]["app_cpu_seconds"]
        return phases[name]["operations"].get(operation, {}).get("ok", 0) / cpu if cpu else 0.0

    failed = [s for s in samples if s[4] is None or s[4] >= 500]
    outside = [s for s in failed if not record.in_window(s[2], s[3])]
    windows = {
        name: {
            "seconds": round(end - start, 2),
            "5xx": sum(1 for s in failed if s[4] is not None and s[2] <= end and s[3] >= start),
            "no_answer": sum(1 for s in failed if s[4] is None and s[2] <= end and s[3] >= start),
            "requests": sum(1 for s in samples if s[2] <= end and s[3] >= start),
        }
        for name, start, end in record.windows
    }
    forked = [jti for jti, children in state.successors.items() if len(children) > 1]
    missed_outside = [
        p for p in state.probes if p["missed_at_once"] and not record.in_window(p["start"], p["end"])
    ]
    missed_bound = [p for p in state.probes if p["never_refused"]]
    quiet_p95 = phases["refresh"]["operations"]["refresh"]["p95_ms"]
    storm_p95 = phases["storm"]["operations"]["refresh"]["p95_ms"]
    summary = {
        "refresh_per_vcpu": round(per_cpu("refresh", "refresh"), 1),
        "logins_per_vcpu": round(per_cpu("login", "login"), 2),
        "storm_refresh_p95_ratio": round(storm_p95 / quiet_p95, 2) if quiet_p95 else 0.0,
        "lost": audit["lost"],
        "forks": len(forked) + len(audit["inconsistent"]),
        "missed_revocations": len(missed_outside) + len(missed_bound),
        "five_xx_outside_failover": len(outside),
    }
    return {
        "machine": {
            "nproc": os.cpu_count(),
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        },
        "args": {key: str(value) if isinstance(value, Path) else value for key, value in vars(args).items()},
        "phases": phases,
        "failover_windows_seconds": faults,
        "failover_windows": windows,
        "probes": {
            "count": len(state.probes),
            "missed_at_once_outside_windows": len(missed_outside),
            "missed_at_once_in_windows": sum(1 for p in state.probes if p["missed_at_once"])
            - len(missed_outside),
            "longest_until_refused_seconds": round(
                max((p["refused_after"] for p in state.probes), default=0.0), 2
            ),
            "never_refused_within_bound": len(missed_bound),
        },
        "forks": {"tokens_continued_twice": forked, "sessions_unlike_their_client": audit["inconsistent"]},
        "refresh_tokens_continued": len(state.successors),
        "todos": {"acknowledged": audit["acknowledged"], "lost": audit["lost"]},
        "outside_failover_sample": [[op, phase, status] for op, phase, _, _, status in outside[:10]],
        "tracebacks_in_node_logs": tracebacks,
        "summary": summary,
    }


def report(result) -> str:
    m, a = result["machine"], result["args"]
    lines = [
        f"cluster bench {m['date']}: {a['nodes']} nodes x {a['workers']} sync workers behind HAProxy, PgBouncer "
        f"(transaction pooling), Redis + {a['sentinels']} Sentinel(s); {a['clients']} client threads, {a['storm']} "
        f"storm threads; {m['nproc']} cores, load average at the end {m['loadavg_at_end']}",
        "",
        "| phase | s | req/s | app CPU s | 5xx | no answer | refresh p50/p95/p99 ms | login p50/p95/p99 ms |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for name, ph in result["phases"].items():
        cells = []
        for operation in ("refresh", "login" if name != "storm" else "storm_login"):
            op = ph["operations"].get(operation)
            cells.append(f"{op['p50_ms']}/{op['p95_ms']}/{op['p99_ms']} ({op['per_second']}/s)" if op else "")
        lines.append(
            f"| {name} | {ph['seconds']} | {ph['requests_per_second']} | {ph['app_cpu_seconds']} | {ph['5xx']} | "
            f"{ph['no_answer']} | {cells[0]} | {cells[1]} |"
        )
    probes = result["probes"]
    lines += [
        "",
        f"failover windows (s): {result['failover_windows_seconds']}",
        "failover windows, requests overlapping each: "
        + "; ".join(
            f"{name} {w['seconds']} s: {w['requests']} requests, {w['5xx']} 5xx, {w['no_answer']} no answer"
            for name, w in result["failover_windows"].items()
        ),
        f"revocation probes: {probes['count']}; served after the logout by some node: {probes['missed_at_once_outside_windows']} "
        f"outside the windows, {probes['missed_at_once_in_windows']} in them (refused by all after at most "
        f"{probes['longest_until_refused_seconds']} s; never within SESSION_CACHE_SECONDS: "
        f"{probes['never_refused_within_bound']})",
        f"refresh tokens continued: {result['refresh_tokens_continued']}; forks: {result['forks']}",
        f"todos acknowledged: {result['todos']['acknowledged']}, lost: {result['todos']['lost']}",
        f"5xx or no answer outside the windows: {result['outside_failover_sample'] or 'none'}",
        f"tracebacks in the nodes' logs: {result['tracebacks_in_node_logs']}",
        " ".join(f"{key}={result['summary'][key]}" for key in SUMMARY_KEYS),
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=3, help="app nodes (gunicorn masters)")
    parser.add_argument("--workers", type=int, default=2, help="sync workers per node")
    parser.add_argument("--clients", type=int, default=12, help="client threads, one session each")
    parser.add_argument("--storm", type=int, default=16, help="threads that log in at once in the storm")
    parser.add_argument("--sentinels", type=int, default=3)
    parser.add_argument("--pool-size", type=int, default=8, help="PgBouncer's server connections")
    parser.add_argument("--phase-seconds", type=float, default=40.0)
    parser.add_argument("--settle-seconds", type=float, default=3.0, help="after each fault's window")
    parser.add_argument("--pgbouncer-down-seconds", type=float, default=1.0)
    parser.add_argument("--check-ms", type=int, default=1000, help="HAProxy's health check interval")
    parser.add_argument(
        "--login-lane",
        type=int,
        default=1,
        help="at most this many of each node's workers serve logins at a time (HAProxy's login lane, "
        "docs/several-nodes.md; 0: none, logins may take every worker)",
    )
    parser.add_argument("--max-seconds", type=float, default=1800, help="stop everything past this")
    parser.add_argument("--quick", action="store_true", help="the short run (~2 minutes)")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.storm, args.sentinels, args.phase_seconds, args.settle_seconds = 8, 10, 1, 8.0, 1.5
        args.max_seconds = min(args.max_seconds, 600)
    if args.nodes < 2:
        parser.error("--nodes must be 2 or more: one is killed midway")

    def stop_everything(signum, frame):
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, stop_everything)
    signal.signal(
        signal.SIGALRM, lambda signum, frame: stop_everything(f"alarm after {args.max_seconds} s", frame)
    )
    signal.alarm(int(args.max_seconds))
    with tempfile.TemporaryDirectory(prefix="cluster-bench-") as tmp:
        result = run(args, Path(tmp))
    signal.alarm(0)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    print(report(result))
    s = result["summary"]
    failed = s["lost"] or s["forks"] or s["missed_revocations"] or s["five_xx_outside_failover"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
