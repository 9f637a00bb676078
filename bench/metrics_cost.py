"""What the metrics cost a refresh: with and without ``common.middleware.MetricsMiddleware``, in one session.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rt_x .venv/bin/python -m bench.metrics_cost
    .venv/bin/python -m bench.metrics_cost --quick          # on a SQLite file, a few seconds each

Three measures, each alternating the two sides repetition by repetition (so that a shared machine's
drift hits both alike), medians reported:

* **in-process**: ``django.test.Client`` refreshes one chain; one client's handler was built
  with the middleware, the other's without (one process, one database);
* **over gunicorn**: two servers on the same database (``bench.settings``; one started with
  ``BENCH_METRICS_MIDDLEWARE=false``), 2 sync workers each, in multiprocess mode as in
  production (gunicorn.conf.py), loaded with refreshes from client threads; worker CPU per
  refresh from /proc/<pid>/schedstat;
* **one recording** (``metrics.refresh("ok")``, what each accounts counter adds at a
  chokepoint): nanoseconds per call in one process and in multiprocess mode.

The database is a scratch one beside ``DATABASE_URL`` (created and dropped), or a SQLite file.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_load
from bench.stats import summarize_rep
from testing.servers import PYTHON, ROOT, Gunicorn, migrate, request, scratch_database, server_env

PASSWORD = "metrics-Cost-passw0rd"
MIDDLEWARE = "common.middleware.MetricsMiddleware"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=7, help="repetitions per side (the median is reported)")
    parser.add_argument("-n", type=int, default=300, help="in-process refreshes per repetition")
    parser.add_argument(
        "--seconds", type=float, default=4.0, help="gunicorn: seconds per repetition and side"
    )
    parser.add_argument("--connections", type=int, default=4, help="gunicorn: client threads")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--calls",
        type=int,
        default=100_000,
        help="one recording: calls per run (5 runs, the median is reported)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny runs, for development")
    parser.add_argument("--child", choices=("inprocess", "record"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.n, args.seconds = 3, 60, 1.5
    if args.child == "inprocess":
        print(json.dumps(inprocess(args)))
        return 0
    if args.child == "record":
        print(json.dumps(record_cost(args.calls)))
        return 0

    results = {"machine": machine(), "args": vars(args)}
    hasher = "django.contrib.auth.hashers.MD5PasswordHasher"  # logins are not what is measured
    with (
        tempfile.TemporaryDirectory(prefix="metrics-cost-") as tmp,
        scratch_database(os.environ.get("DATABASE_URL", ""), "metricscost", tmp) as database_url,
    ):
        env = server_env(database_url=database_url, settings="bench.settings", BENCH_PASSWORD_HASHERS=hasher)
        migrate(env)
        results["database"] = "postgresql" if database_url.startswith("postgres") else "sqlite"
        results["inprocess"] = child(env, "inprocess", args)
        results["gunicorn"] = over_gunicorn(env, args, Path(tmp))
        results["record"] = {
            "one process": child(env, "record", args),
            "multiprocess": child({**env, "PROMETHEUS_MULTIPROC_DIR": tmp}, "record", args),
        }
    print(report(results))
    return 0


def child(env, what, args):
    command = [
        PYTHON,
        "-m",
        "bench.metrics_cost",
        "--child",
        what,
        "--reps",
        str(args.reps),
        "-n",
        str(args.n),
        "--calls",
        str(args.calls),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"bench.metrics_cost --child {what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- In-process --------------------------------------------------------------------------------


def inprocess(args):
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User

    email = f"metrics-{uuid.uuid4().hex[:8]}@bench.invalid"
    User.objects.create_user(email=email, password=PASSWORD)
    without = [name for name in settings.MIDDLEWARE if name != MIDDLEWARE]
    assert len(without) == len(settings.MIDDLEWARE) - 1, "the middleware is not in MIDDLEWARE"
    sides = {}
    for side, middleware in (("with", settings.MIDDLEWARE), ("without", without)):
        client = Client()
        with override_settings(MIDDLEWARE=middleware):  # the handler is built on the first request
            body = client.post(
                "/api/auth/login/", {"email": email, "password": PASSWORD}, content_type="application/json"
            ).json()
        sides[side] = {"client": client, "refresh": body["refresh"]}

    def refresh(side):
        state = sides[side]
        response = state["client"].post(
            "/api/auth/refresh/", "", "application/json", HTTP_AUTHORIZATION=f"Bearer {state['refresh']}"
        )
        assert response.status_code == 200, response.content
        state["refresh"] = response.json()["refresh"]

    for side in sides:  # warm up
        for _ in range(30):
            refresh(side)
    reps = {side: [] for side in sides}
    for rep in range(args.reps):
        for side in ("with", "without") if rep % 2 == 0 else ("without", "with"):
            latencies = []
            started = time.perf_counter()
            for _ in range(args.n):
                t0 = time.perf_counter()
                refresh(side)
                latencies.append(time.perf_counter() - t0)
            reps[side].append(summarize_rep(latencies, time.perf_counter() - started))
    return {side: medians(values) for side, values in reps.items()}


def record_cost(calls):
    """Return the nanoseconds of one recording, in this process's mode (median of 5 runs each).

    ``refresh``: ``metrics.refresh("ok")``, one counter (what each accounts counter adds at its
    chokepoint); ``http_request``: what the middleware records per request (a counter and a
    histogram; the label lookup of a series already seen).
    """
    from common import metrics

    def per_call(record):
        runs = []
        for _ in range(5):
            started = time.perf_counter_ns()
            for _ in range(calls):
                record()
            runs.append((time.perf_counter_ns() - started) / calls)
        return statistics.median(runs)

    return {
        "refresh_ns": per_call(lambda: metrics.refresh("ok")),
        "http_request_ns": per_call(
            lambda: metrics.http_request(method="POST", route="/api/auth/refresh/", status=200, seconds=0.003)
        ),
        "multiprocess": bool(metrics.multiprocess_directory()),
    }


# --- Over gunicorn -----------------------------------------------------------------------------


class RefreshClient:
    """One client thread's refresh chain on one server (a new connection per request)."""

    def __init__(self, port):
        self.port = port
        email = f"metrics-{uuid.uuid4().hex[:10]}@bench.invalid"
        status, body = request(
            port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD}
        )
        assert status == 201, (status, body)
        self.token = body["refresh"]

    def refresh(self):
        status, body = request(self.port, "POST", "/api/auth/refresh/", token=self.token)
        if status == 200:
            self.token = body["refresh"]
        return status


def over_gunicorn(env, args, directory):
    sides = {}
    with (
        Gunicorn(env, workers=args.workers, log=directory / "with.log") as with_metrics,
        Gunicorn({**env, "BENCH_METRICS_MIDDLEWARE": "false"}, workers=args.workers, log=directory / "without.log")
        as without_metrics,
    ):  # fmt: skip
        for side, server in (("with", with_metrics), ("without", without_metrics)):
            clients = [RefreshClient(server.port) for _ in range(args.connections)]
            sides[side] = (clients, server)
            http_load.load(clients, "refresh", seconds=0.5, max_requests=200)  # warm up
        reps = {side: [] for side in sides}
        for rep in range(args.reps):
            for side in ("with", "without") if rep % 2 == 0 else ("without", "with"):
                clients, server = sides[side]
                result = http_load.load(
                    clients,
                    "refresh",
                    seconds=args.seconds,
                    max_requests=100_000,
                    worker_pids=server.worker_pids,
                )
                if result["failures"]:
                    raise RuntimeError(
                        f"{side}: {result['failures']} refreshes failed: {result.get('failure_sample')}"
                    )
                reps[side].append(result)
    return {side: medians(values) for side, values in reps.items()}


def medians(reps):
    keys = [key for key in ("rps", "p50_ms", "p95_ms", "cpu_ms") if all(key in rep for rep in reps)]
    return {**{key: statistics.median(rep[key] for rep in reps) for key in keys}, "reps": len(reps)}


# --- Report ------------------------------------------------------------------------------------


def machine():
    return {
        "nproc": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
    }


def report(results):
    m, a = results["machine"], results["args"]
    inproc, gun, rec = results["inprocess"], results["gunicorn"], results["record"]
    lines = [
        f"Metrics cost, {m['date']}: {m['nproc']} cores, load average at start {m['loadavg_at_start']}, "
        f"{results['database']}, medians of {a['reps']} alternating repetitions per side.",
        "",
        "| refresh | with metrics | without | difference |",
        "|---|---:|---:|---:|",
        f"| in-process p50 (ms) | {inproc['with']['p50_ms']:.3f} | {inproc['without']['p50_ms']:.3f} | "
        f"{inproc['with']['p50_ms'] - inproc['without']['p50_ms']:+.3f} |",
        f"| gunicorn ({a['workers']} sync workers, {a['connections']} clients) req/s | {gun['with']['rps']:.0f} | "
        f"{gun['without']['rps']:.0f} | {100 * (gun['with']['rps'] / gun['without']['rps'] - 1):+.1f} % |",
        f"| gunicorn worker CPU per refresh (ms) | {gun['with']['cpu_ms']:.3f} | {gun['without']['cpu_ms']:.3f} | "
        f"{gun['with']['cpu_ms'] - gun['without']['cpu_ms']:+.3f} |",
        f"| gunicorn p50 (ms) | {gun['with']['p50_ms']:.2f} | {gun['without']['p50_ms']:.2f} | "
        f"{gun['with']['p50_ms'] - gun['without']['p50_ms']:+.2f} |",
        "",
        "| one recording | one process | multiprocess (gunicorn) |",
        "|---|---:|---:|",
        f'| `metrics.refresh("ok")`: one counter | {rec["one process"]["refresh_ns"]:.0f} ns | '
        f"{rec['multiprocess']['refresh_ns']:.0f} ns |",
        f"| the middleware's per request: a counter and a histogram | {rec['one process']['http_request_ns']:.0f} ns | "
        f"{rec['multiprocess']['http_request_ns']:.0f} ns |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
