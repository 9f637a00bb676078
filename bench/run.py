"""Benchmarks: this project beside stock SimpleJWT, in-process and over gunicorn, in one run.

    .venv/bin/python -m bench.run                      # SQLite and PostgreSQL, without and with Redis
    .venv/bin/python -m bench.run --quick              # a few seconds per configuration
    .venv/bin/python -m bench.run --backends sqlite --redis without

For each configuration: a dedicated database (a temporary SQLite file, or the PostgreSQL
database ``bench_tokens``, created and dropped here), a dedicated Redis DB (flushed before
and after), migrations with ``bench.settings``, then the in-process benchmark
(bench/inprocess.py, in a subprocess: both sides in one process with the project's settings)
and the gunicorn benchmark (bench/http_load.py): the project's server and, beside it on the
same database, a stock SimpleJWT deployment of its own (bench.stock_settings), each with 2 sync
workers, loaded from client threads that open a new connection for every request (issue 17's
setting; ``--worker-class gthread``, ``--keep-alive`` and ``--stock-conn-max-age`` change it).
The worker CPU per request comes from /proc/<pid>/schedstat. Prints Markdown tables and the
targets, met or missed; ``--json`` keeps every figure. Everything runs on 127.0.0.1.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import http_load, inprocess
from testing.servers import (
    ROOT,
    Gunicorn,
    migrate,
    pg_available,
    pg_create,
    pg_drop,
    redis_available,
    redis_flush,
    server_env,
)

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/bench_tokens"
# Issue 17's goal of 1.9 ms of worker CPU per refresh was set on a machine where stock's refresh
# cost 7.52 ms: the same goal as a fraction of stock's cost.
STOCK_CPU_GOAL_RATIO = 1.9 / 7.52
DEFAULT_REDIS = "redis://127.0.0.1:6379/13"


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--redis", choices=("without", "with", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--reps", type=int, default=5, help="in-process repetitions")
    parser.add_argument("-n", type=int, default=300, help="in-process requests per repetition")
    parser.add_argument("--n-login", type=int, default=15)
    parser.add_argument("--http-reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="gunicorn: seconds per operation and rep")
    parser.add_argument("--connections", type=int, default=4, help="gunicorn: client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--worker-class", choices=("gthread", "sync"), default="sync", help="gunicorn worker class"
    )
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument(
        "--keep-alive",
        dest="new_connection",
        action="store_false",
        help="gunicorn: keep one connection per client thread (default: a new connection for every "
        "request, as clients without keep-alive do)",
    )
    parser.add_argument(
        "--stock-conn-max-age",
        type=int,
        default=0,
        help="gunicorn: the stock server's CONN_MAX_AGE (default 0, Django's: a database connection per request)",
    )
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--quick", action="store_true", help="tiny runs, for development")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.n, args.n_login, args.http_reps, args.seconds = 1, 40, 2, 1, 1.0

    configs = []
    for backend in args.backends.split(","):
        for redis in {"without": [False], "with": [True], "both": [False, True]}[args.redis]:
            configs.append((backend.strip(), redis))

    results = {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, "runs": []}
    for backend, redis in configs:
        label = backend + (" + Redis" if redis else "")
        print(f"== {label}", file=sys.stderr, flush=True)
        results["runs"].append({"label": label, **run_config(args, backend, redis)})
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(report(results))
    return 0


def run_config(args, backend, redis):
    redis_url = args.redis_url if redis else ""
    if redis and not redis_available(redis_url):
        return {"skipped": f"Redis does not answer at {redis_url}"}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        if backend == "sqlite":
            database_url = f"sqlite:///{tmp}/bench.sqlite3"
        elif backend == "postgres":
            if not pg_available(args.pg_url):
                return {"skipped": f"PostgreSQL does not answer at {args.pg_url}"}
            database_url = args.pg_url
            pg_create(database_url)
        else:
            raise SystemExit(f"unknown backend {backend!r}")
        try:
            if redis:
                redis_flush(redis_url)
            env = server_env(database_url=database_url, redis_url=redis_url, settings="bench.settings")
            migrate(env)
            out = {"database_url": database_url, "redis_url": redis_url}
            command = inprocess.command(reps=args.reps, n=args.n, n_login=args.n_login)
            started = time.monotonic()
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600)  # noqa: S603
            if done.returncode:
                raise RuntimeError(f"bench.inprocess failed:\n{done.stderr[-3000:]}")
            out["inprocess"] = json.loads(done.stdout)
            print(f"   in-process: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            if not args.skip_http:
                started = time.monotonic()
                log = Path(tmp) / "gunicorn.log"
                threads = args.threads if args.worker_class == "gthread" else 1
                # The stock side is a stock deployment of its own (bench.stock_settings), on the
                # same database, with as many workers of the same class.
                stock_env = server_env(
                    database_url=database_url,
                    settings="bench.stock_settings",
                    BENCH_STOCK_CONN_MAX_AGE=args.stock_conn_max_age,
                )
                with (
                    Gunicorn(
                        env, workers=args.workers, worker_class=args.worker_class, threads=threads, log=log
                    ) as g,
                    Gunicorn(
                        stock_env,
                        workers=args.workers,
                        worker_class=args.worker_class,
                        threads=threads,
                        log=log,
                    ) as stock,
                ):
                    list_url = out["inprocess"]["list_url"]
                    out["gunicorn"] = http_load.run(
                        g.port,
                        list_url,
                        stock_port=stock.port,
                        workers=args.workers,
                        connections=args.connections,
                        seconds=args.seconds,
                        reps=args.http_reps,
                        new_connection=args.new_connection,
                        worker_pids={"ours": g.worker_pids, "stock": stock.worker_pids},
                    )
                    out["gunicorn"]["workers"] = args.workers
                    out["gunicorn"]["worker_class"] = args.worker_class
                    out["gunicorn"]["threads"] = threads
                    out["gunicorn"]["new_connection"] = args.new_connection
                    out["gunicorn"]["stock_conn_max_age"] = args.stock_conn_max_age
                    out["revocation"] = http_load.revocation_in_every_worker(g.port, list_url, args.workers)
                print(f"   gunicorn: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            return out
        finally:
            if backend == "postgres":
                pg_drop(database_url)
            if redis:
                redis_flush(redis_url)


def machine():
    def read(command):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=10).stdout.strip()  # noqa: S603
        except OSError:
            return "?"

    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/meminfo").read_text().splitlines()
            if "MemTotal" in line
        ),
        "?",
    )
    from importlib.metadata import version

    return {
        "nproc": read(["nproc"]),
        "cpu": cpu,
        "memory": memory,
        "loadavg_at_start": os.getloadavg(),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "postgresql": read(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"]),
        "redis": read(["redis-server", "--version"]).split(" v=")[-1].split(" ")[0],
        "packages": {
            name: version(name)
            for name in (
                "Django",
                "djangorestframework",
                "djangorestframework-simplejwt",
                "gunicorn",
                "psycopg",
            )
        },
    }


# --- Report ---------------------------------------------------------------------------------

PAIRS = (("login", "login_ours", "login_stock"), ("refresh", "refresh_ours", "refresh_stock"),
         ("authenticated GET", "get_ours", "get_stock"))  # fmt: skip


def _sql(sql):
    if not sql:
        return ""
    verbs = " ".join(f"{verb} x{count:g}" for verb, count in sql["verbs"].items())
    return f"{sql['statements']:g} ({verbs}) + {sql['transaction_control']:g} tx"


def timing_table(timing, sql=None):
    cpu = all("cpu_ms" in value for value in timing.values())

    def cpu_cell(value):
        return f" {value['cpu_ms']:.2f} |" if cpu and value else (" |" if cpu else "")

    lines = [
        "| operation | ours req/s | ours p50 ms | ours p95 ms |" + (" ours CPU ms |" if cpu else "")
        + " stock req/s | stock p50 ms | stock p95 ms |" + (" stock CPU ms |" if cpu else "")
        + " ours/stock (req/s) | SQL ours | SQL stock |",
        "|---|---:|---:|---:|" + ("---:|" if cpu else "") + "---:|---:|---:|" + ("---:|" if cpu else "")
        + "---:|---|---|",
    ]  # fmt: skip
    for label, ours, stock in PAIRS:
        o, s = timing[ours], timing[stock]
        lines.append(
            f"| {label} | {o['rps']:.0f} | {o['p50_ms']:.2f} | {o['p95_ms']:.2f} |{cpu_cell(o)} {s['rps']:.0f} | "
            f"{s['p50_ms']:.2f} | {s['p95_ms']:.2f} |{cpu_cell(s)} **{o['rps'] / s['rps']:.2f}x** | "
            f"{_sql((sql or {}).get(ours))} | {_sql((sql or {}).get(stock))} |"
        )
    for label, name in (
        ("unauthenticated GET (same view)", "get_anon"),
        ("unauthenticated GET, stock's server", "get_anon_stock"),
        ("floor: GET + 1-row UPDATE", "floor"),
    ):
        if name not in timing:
            continue
        b = timing[name]
        lines.append(
            f"| {label} | {b['rps']:.0f} | {b['p50_ms']:.2f} | {b['p95_ms']:.2f} |{cpu_cell(b)} | | |{cpu_cell(None)} | "
            f"{_sql((sql or {}).get(name))} | |"
        )
    return "\n".join(lines)


def derived(timing, mode):
    """Return the figures the targets are about."""
    if mode == "in-process":
        # One request at a time: the median latency is the cost.
        cost = {name: value["p50_ms"] for name, value in timing.items()}
    else:
        # Under load: server capacity spent per request, from the throughput.
        cost = {name: 1000 / value["rps"] for name, value in timing.items()}
    # Each side's authenticated GET minus its own unauthenticated one (over gunicorn the stock
    # side is a server of its own; in-process both sides share one).
    stock_anon = "get_anon_stock" if "get_anon_stock" in timing else "get_anon"
    ours_overhead = cost["get_ours"] - cost["get_anon"]
    stock_overhead = cost["get_stock"] - cost[stock_anon]
    cpu = {}
    if all("cpu_ms" in value for value in timing.values()):
        ours_cpu = timing["get_ours"]["cpu_ms"] - timing["get_anon"]["cpu_ms"]
        stock_cpu = timing["get_stock"]["cpu_ms"] - timing[stock_anon]["cpu_ms"]
        cpu = {
            "refresh_cpu_ms": timing["refresh_ours"]["cpu_ms"],
            "stock_refresh_cpu_ms": timing["refresh_stock"]["cpu_ms"],
            "auth_cpu_ours_ms": ours_cpu,
            "auth_cpu_stock_ms": stock_cpu,
            "auth_cpu_ratio": ours_cpu / stock_cpu if stock_cpu > 0 else float("nan"),
        }
    return {
        **cpu,
        "refresh_speedup": timing["refresh_ours"]["rps"] / timing["refresh_stock"]["rps"],
        "get_speedup": timing["get_ours"]["rps"] / timing["get_stock"]["rps"],
        "refresh_above_floor_ms": cost["refresh_ours"] - cost["floor"],
        "refresh_over_floor": cost["refresh_ours"] / cost["floor"],
        "stock_refresh_over_floor": cost["refresh_stock"] / cost["floor"],
        "auth_overhead_ours_ms": ours_overhead,
        "auth_overhead_stock_ms": stock_overhead,
        "auth_overhead_ratio": ours_overhead / stock_overhead if stock_overhead > 0 else float("nan"),
    }


def report(results):
    m = results["machine"]
    out = [
        f"Machine: {m['nproc']} cores, {m['cpu']}, {m['memory']} memory; load average at start "
        f"{', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}. Python {m['python']}, "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items())
        + f", PostgreSQL {m['postgresql']}, Redis {m['redis']}.",
        "",
    ]
    targets = []
    for run in results["runs"]:
        label = run["label"]
        if "skipped" in run:
            out += [f"### {label}: skipped ({run['skipped']})", ""]
            continue
        inproc = run["inprocess"]
        d_in = derived(inproc["timing"], "in-process")
        out += [
            f"### {label}, in-process (django.test.Client, median of {results['args']['reps']} runs)",
            "",
            f"Authenticated view: `{inproc['list_url']}`; hasher {inproc['hashers'][0].rsplit('.', 1)[-1]} on both sides.",
            "",
            timing_table(inproc["timing"], inproc["sql"]),
            "",
            _derived_line(d_in),
            "",
        ]
        sql_ours = inproc["sql"]["refresh_ours"]["statements"]
        auth_queries = inproc["sql"]["get_ours"]["statements"] - inproc["sql"]["get_anon"]["statements"]
        targets += [
            (label, "refresh ≥ 5x stock, in-process", f"{d_in['refresh_speedup']:.2f}x", d_in["refresh_speedup"] >= 5),
            (label, "refresh ≤ 2 SQL statements besides transaction control", f"{sql_ours:g}", sql_ours <= 2),
            (label, "authenticated GET: ≤ 1 query for authentication", f"{auth_queries:g}", auth_queries <= 1),
            (label, "authenticated GET no slower than stock, in-process", f"{d_in['get_speedup']:.2f}x",
             d_in["get_speedup"] >= 1),
            (label, "revoked session refused at once (in-process)", str(inproc["revoked_access_status"]),
             inproc["revoked_access_status"] == 401),
        ]  # fmt: skip
        if run["redis_url"]:
            targets.append(
                (label, "auth overhead ≤ 0.6x stock's, in-process (p50)", f"{d_in['auth_overhead_ratio']:.2f}x",
                 d_in["auth_overhead_ratio"] <= 0.6)
            )  # fmt: skip
        if "gunicorn" in run:
            g = run["gunicorn"]
            d_g = derived(g["timing"], "gunicorn")
            failures = {name: value["failures"] for name, value in g["timing"].items() if value["failures"]}
            out += [
                f"### {label}, over gunicorn ({g['workers']} {g.get('worker_class', 'gthread')} workers "
                f"x {g['threads']} threads, {g['connections']} client threads with "
                f"{'a new connection per request' if g.get('new_connection') else 'keep-alive connections'}; "
                f"the stock side its own server, Django's defaults, CONN_MAX_AGE "
                f"{g.get('stock_conn_max_age', 0)}; "
                f"{g['seconds']:g} s per operation, "
                f"median of {g['reps']} runs)",
                "",
                timing_table(g["timing"]),
                "",
                _derived_line(d_g)
                + (f" Failed requests: {failures}." if failures else " No failed request."),
                "",
            ]
            rv = run["revocation"]
            targets += [
                (label, "refresh ≥ 3x stock, over gunicorn", f"{d_g['refresh_speedup']:.2f}x", d_g["refresh_speedup"] >= 3),
                (label, "authenticated GET no slower than stock, gunicorn", f"{d_g['get_speedup']:.2f}x",
                 d_g["get_speedup"] >= 1),
                (label, "revoked session refused at once by every worker",
                 f"{rv['refused_after']}/{rv['workers_reached']} workers (served {rv['served_before']} before)",
                 rv["refused_after"] == rv["workers_reached"] and rv["served_before"] == [200]),
            ]  # fmt: skip
            # Issue 17's goals, for the sync-worker, new-connection setting.
            limit = 0.3 if run["redis_url"] else 1.0
            targets.append(
                (label, f"auth overhead ≤ {limit:g}x stock's, gunicorn (1/throughput)",
                 f"{d_g['auth_overhead_ratio']:.2f}x", d_g["auth_overhead_ratio"] <= limit)
            )  # fmt: skip
            if "refresh_cpu_ms" in d_g:
                # The same goal in units of stock's own cost, measured in the same run: on a shared
                # host the milliseconds move with the host's speed, the ratio much less.
                cpu_ratio = d_g["refresh_cpu_ms"] / d_g["stock_refresh_cpu_ms"]
                targets += [
                    (label, "worker CPU per refresh ≤ 1.9 ms, gunicorn", f"{d_g['refresh_cpu_ms']:.2f} ms",
                     d_g["refresh_cpu_ms"] <= 1.9),
                    (label, f"the same in stock's units: ≤ {STOCK_CPU_GOAL_RATIO:.3f}x stock's CPU per refresh "
                     "(1.9 of 7.52 ms)", f"{cpu_ratio:.3f}x", cpu_ratio <= STOCK_CPU_GOAL_RATIO),
                ]  # fmt: skip
    out += ["### Targets", "", "| configuration | target | measured | met |", "|---|---|---|---|"]
    out += [f"| {c} | {t} | {v} | {'yes' if ok else '**no**'} |" for c, t, v, ok in targets]
    return "\n".join(out)


def _derived_line(d):
    cpu = ""
    if "refresh_cpu_ms" in d:
        cpu = (
            f" Worker CPU: {d['refresh_cpu_ms']:.2f} ms per refresh (stock {d['stock_refresh_cpu_ms']:.2f} ms); "
            f"authentication {d['auth_cpu_ours_ms']:.3f} ms (stock {d['auth_cpu_stock_ms']:.3f} ms, "
            f"ratio {d['auth_cpu_ratio']:.2f})."
        )
    return (
        f"Refresh: {d['refresh_speedup']:.2f}x stock's throughput; {d['refresh_above_floor_ms']:+.2f} ms "
        f"({d['refresh_over_floor']:.2f}x) the floor (stock: {d['stock_refresh_over_floor']:.2f}x the floor). "
        f"Authentication overhead (GET minus unauthenticated GET): ours {d['auth_overhead_ours_ms']:.3f} ms, "
        f"stock {d['auth_overhead_stock_ms']:.3f} ms, ratio {d['auth_overhead_ratio']:.2f}." + cpu
    )


if __name__ == "__main__":
    sys.exit(main())
