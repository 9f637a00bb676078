"""What the signing algorithm costs: refresh and authenticated GET with HS256, ES256 and RS256.

    .venv/bin/python -m bench.keys                          # HS256, ES256, RS256 on SQLite
    .venv/bin/python -m bench.keys --algorithms ES256,EdDSA --reps 5 -n 300

For each algorithm: a key made by ``manage.py generate_signing_key`` (RSA 2048), a temporary
SQLite database migrated with bench.settings, then the in-process benchmark (bench/inprocess.py,
in a subprocess with JWT_ALGORITHM and JWT_PRIVATE_KEY_FILE set), of which the refresh and the
authenticated GET are reported. Beside it, the token operations alone (sign one token, verify
one token) through the project's token backend, without HTTP or database. Prints Markdown.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import inprocess as inprocess_bench
from testing.servers import PYTHON, ROOT, migrate, server_env

ASYMMETRIC = ("RS256", "ES256", "EdDSA")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--algorithms", default="HS256,ES256,RS256", help="comma-separated JWT_ALGORITHMs")
    parser.add_argument("--reps", type=int, default=3, help="in-process repetitions (the median is reported)")
    parser.add_argument("-n", type=int, default=200, help="requests per repetition and operation")
    parser.add_argument("--micro-n", type=int, default=2000, help="token operations per micro-benchmark")
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    results = {}
    for algorithm in [name.strip() for name in args.algorithms.split(",") if name.strip()]:
        print(f"== {algorithm}", file=sys.stderr, flush=True)
        results[algorithm] = run_algorithm(algorithm, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(report(results))
    return 0


def run_algorithm(algorithm: str, args: argparse.Namespace) -> dict:
    """Return the in-process timings and the token micro-benchmark of ``algorithm``."""
    with tempfile.TemporaryDirectory(prefix="bench-keys-") as tmp:
        env = server_env(database_url=f"sqlite:///{tmp}/bench.sqlite3", settings="bench.settings")
        env["JWT_ALGORITHM"] = algorithm
        if algorithm in ASYMMETRIC:
            key = Path(tmp) / "signing.pem"
            _run(
                [PYTHON, "manage.py", "generate_signing_key", "--algorithm", algorithm, "--out", str(key)],
                env,
            )
            env["JWT_PRIVATE_KEY_FILE"] = str(key)
        migrate(env)
        inprocess = json.loads(_run(inprocess_bench.command(reps=args.reps, n=args.n, n_login=2), env))
        micro = json.loads(_run([PYTHON, "-m", "bench.keys_micro", str(args.micro_n)], env))
    timing = inprocess["timing"]
    return {
        "refresh": {k: timing["refresh_ours"][k] for k in ("p50_ms", "p95_ms", "rps")},
        "get": {k: timing["get_ours"][k] for k in ("p50_ms", "p95_ms", "rps")},
        "micro": micro,
    }


def _run(command: list[str], env: dict) -> str:
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)  # noqa: S603
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def report(results: dict) -> str:
    """Return the figures as a Markdown table, each algorithm against the first one."""
    base = next(iter(results.values()))
    lines = [
        "| algorithm | sign one token (µs) | verify one token (µs) | refresh p50 (ms) | vs first | "
        "authenticated GET p50 (ms) | vs first |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for algorithm, figures in results.items():
        refresh, get = figures["refresh"]["p50_ms"], figures["get"]["p50_ms"]
        lines.append(
            f"| {algorithm} | {figures['micro']['sign_us']:.0f} | {figures['micro']['verify_us']:.0f} | "
            f"{refresh:.2f} | {refresh / base['refresh']['p50_ms']:.2f}x | "
            f"{get:.2f} | {get / base['get']['p50_ms']:.2f}x |"
        )
    return "\n".join(lines)


def median_us(operation, count: int) -> float:
    """Return the median time of ``operation`` over ``count`` calls, in microseconds."""
    for _ in range(min(100, count)):
        operation()
    samples = []
    for _ in range(count):
        t0 = time.perf_counter()
        operation()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1e6


if __name__ == "__main__":
    sys.exit(main())
