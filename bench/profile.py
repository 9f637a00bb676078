"""Where a refresh and an authenticated GET spend a worker's time: py-spy samples under load.

    .venv/bin/python -m bench.profile                       # PostgreSQL, no Redis, 10 s per operation
    .venv/bin/python -m bench.profile --redis-url redis://127.0.0.1:6379/13 --operations get_ours

Serves the project (``bench.settings``) with gunicorn (2 sync workers), loads one operation at a
time from 4 client threads with a new connection per request (bench/http_load.py), and meanwhile
samples every worker with py-spy (``requirements-dev.txt``; it reads the workers' memory, so it
runs as root or with ptrace allowed). Prints, per operation, the worker CPU per request (from
``/proc/<pid>/schedstat``), where the samples fall by layer (the innermost frame that belongs to
a known package), and the functions with the largest share of samples including their callees.
"""

import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import http_load
from testing.servers import ROOT, Gunicorn, migrate, pg_create, pg_drop, redis_flush, server_env

DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/bench_profile"
# The authenticated view (bench.urls.VIEWS; importing that module needs Django set up).
LIST_URL = "/api/users/me/"
PY_SPY = Path(sys.executable).with_name("py-spy")

# (layer, pattern of a frame's file as py-spy names it: relative to its sys.path entry). The
# innermost frame of a sample names its layer; the first pattern that matches wins.
LAYERS = (
    ("PyJWT", r"^jwt/"),
    ("cryptography / hmac / hashlib", r"^(cryptography/|hmac\.py|hashlib\.py)"),
    ("SimpleJWT", r"^rest_framework_simplejwt/"),
    ("DRF", r"^rest_framework/"),
    ("psycopg (driver, waiting for the database)", r"^psycopg"),
    ("Django ORM and database backends", r"^django/db/"),
    ("Django middleware", r"^(django/middleware/|django/contrib/\w+/middleware|corsheaders/|whitenoise/)"),
    ("Django request/response, URLs, settings", r"^django/"),
    ("gunicorn (accept, parse, write)", r"^gunicorn"),
    ("this project", r"^(accounts|common|todos|users|config|bench)/"),
    ("json", r"^json/"),
    ("socket, selectors (network)", r"^(socket|selectors|ssl)\.py"),
    ("other Python", r""),
)
FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:]*):(?P<line>\d+)\)$")


def record(pids, seconds, directory, name, rate, gil):
    """Start py-spy on each pid for ``seconds``; return the processes and their output files."""
    runs = []
    for pid in pids:
        out = Path(directory) / f"{name}-{pid}.txt"
        command = [str(PY_SPY), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                   "--rate", str(rate), "--format", "raw", "--output", str(out), *(["--gil"] if gil else [])]  # fmt: skip
        runs.append((subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), out))  # noqa: S603
    return runs


def parse(files):
    """Return the collapsed stacks of ``files`` as (frames, count), outermost frame first."""
    stacks = []
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if stack and count.isdigit():
                stacks.append((stack.split(";"), int(count)))
    return stacks


def layer_of(file):
    for name, pattern in LAYERS:
        if re.search(pattern, file):
            return name
    return "other Python"


def breakdown(stacks, top):
    """Return (total samples, samples by layer, inclusive samples by function)."""
    total = sum(count for _, count in stacks)
    by_layer = collections.Counter()
    inclusive = collections.Counter()
    for frames, count in stacks:
        parsed = [FRAME.match(frame) for frame in frames]
        parsed = [match for match in parsed if match]
        leaf = parsed[-1]["file"] if parsed else ""
        by_layer[layer_of(leaf)] += count
        seen = set()
        for match in parsed:
            file = match["file"]
            short = "/".join(file.split("/")[-2:])
            key = f"{match['func']} ({short})"
            if key not in seen:
                seen.add(key)
                inclusive[key] += count
    return total, by_layer, inclusive.most_common(top)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default=DEFAULT_PG, help="created and dropped here")
    parser.add_argument("--redis-url", default="", help="use Redis for the session state (flushed)")
    parser.add_argument("--operations", default="refresh_ours,get_ours,get_anon,refresh_stock,get_stock")
    parser.add_argument("--seconds", type=float, default=10.0, help="per operation")
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30, help="functions listed per operation")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="sample waiting too (default: only while a worker holds the GIL, that is runs Python)",
    )
    parser.add_argument("--raw-dir", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    if not PY_SPY.exists():
        raise SystemExit(f"py-spy is not installed at {PY_SPY} (pip install -r requirements-dev.txt)")

    pg_create(args.pg_url)
    try:
        if args.redis_url:
            redis_flush(args.redis_url)
        env = server_env(database_url=args.pg_url, redis_url=args.redis_url, settings="bench.settings")
        migrate(env)
        with tempfile.TemporaryDirectory(prefix="profile-") as tmp, Gunicorn(env, workers=2) as server:
            if args.raw_dir:
                args.raw_dir.mkdir(parents=True, exist_ok=True)
                tmp = args.raw_dir
            clients = [http_load.Client(server.port, LIST_URL, new_connection=True) for _ in range(4)]
            for operation in args.operations.split(","):
                http_load.load(clients, operation, seconds=1.0, max_requests=200)  # warm up
                pids = server.worker_pids()
                runs = record(pids, args.seconds + 1, tmp, operation, args.rate, gil=not args.wall)
                time.sleep(0.5)  # py-spy attaches
                before = http_load.cpu_ns(pids)
                result = http_load.load(clients, operation, seconds=args.seconds, max_requests=10**6)
                used = http_load.cpu_ns(pids) - before
                for process, _ in runs:
                    process.wait(timeout=60)
                report(operation, result, used, parse([out for _, out in runs]), args.top)
    finally:
        pg_drop(args.pg_url)
        if args.redis_url:
            redis_flush(args.redis_url)
    return 0


def report(operation, result, used_ns, stacks, top):
    total, by_layer, functions = breakdown(stacks, top)
    print(f"\n## {operation}: {result['rps']:.0f} req/s, {result['failures']} failed, "
          f"worker CPU {used_ns / 1e6 / max(result['n'], 1):.3f} ms per request, {total} samples\n")  # fmt: skip
    print("| layer (innermost frame) | share of samples |\n|---|---:|")
    for name, count in by_layer.most_common():
        print(f"| {name} | {100 * count / total:.1f} % |")
    print("\n| function (with its callees) | share of samples |\n|---|---:|")
    for name, count in functions:
        print(f"| `{name}` | {100 * count / total:.1f} % |")
    sys.stdout.flush()


if __name__ == "__main__":
    os.chdir(ROOT)
    threading.current_thread().name = "bench.profile"
    sys.exit(main())
