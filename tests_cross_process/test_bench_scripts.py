"""Each stand-alone benchmark script of bench/, run once with the smallest sizes that reach its every step.

No other test ran them, so they broke unseen (bench/sessions_at_scale.py stopped seeding when a
NOT NULL column came, and nobody knew until a person ran it). Each runs here as its docstring
says a person runs it, from the repository's root, through its seeding, each measure and its
report, and must exit 0 and print the figures it promises. The sizes measure nothing.

bench/cluster.py and bench/load_fault.py have tests of their own (test_cluster_bench.py,
test_load_fault.py); bench/inprocess.py and bench/keys_micro.py are run by bench/run.py and
bench/keys.py, so they run here through those.

A script gets no DATABASE_URL, REDIS_URL or DJANGO_SETTINGS_MODULE from this process: it works
on a SQLite file in the test's directory, on a PostgreSQL database of its own on 127.0.0.1:5432
(named with this process's id, created and dropped by the script), or on the module's private
redis-server. So the module runs alike in CI's SQLite pass and its PostgreSQL + Redis pass.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.log_redaction import SHAPES
from testing.servers import PYTHON, ROOT, pg_available, pg_url_with_name, redis_url_with_db, wait_until

PG_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
# Unique to this test run, so that two runs on one PostgreSQL never drop each other's databases.
PREFIX = f"bench_smoke_{os.getpid()}"
NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?")
# What this process was started with that must not steer the scripts (see the module's docstring).
NOT_PASSED_ON = ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR")

needs_postgres = pytest.mark.skipif(
    not pg_available(PG_SERVER), reason="PostgreSQL does not answer at 127.0.0.1:5432 (user postgres)"
)
needs_redis = pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
# py-spy reads the gunicorn workers' memory: root, or ptrace not restricted by Yama.
ptrace_scope = Path("/proc/sys/kernel/yama/ptrace_scope")
can_ptrace = os.geteuid() == 0 or not ptrace_scope.exists() or ptrace_scope.read_text().strip() == "0"
needs_ptrace = pytest.mark.skipif(
    not can_ptrace, reason="py-spy needs root or kernel.yama.ptrace_scope = 0 to read the workers"
)


def run_script(*command, env=None, timeout=180):
    """Run ``python *command`` from the repository's root; return what it printed once it has exited 0."""
    environment = {name: value for name, value in os.environ.items() if name not in NOT_PASSED_ON}
    environment.update(env or {})
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, *command], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def table(text, header):
    """Return the rows (lists of cells) of the Markdown table in ``text`` whose header line starts with ``header``."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(header)), None)
    assert start is not None, f"no table {header!r} in:\n{text}"
    rows = []
    for line in lines[start + 2 :]:  # after the header and its |---| line
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    assert rows, f"table {header!r} has no rows:\n{text}"
    return rows


def is_number(cell):
    return bool(NUMBER.fullmatch(cell.strip("*x %")))


def private_redis(request, db):
    """Return the URL of DB ``db`` of the module's redis-server, up for a second at least.

    A second: bench/dpop_replay.py's "chosen" design counts a Redis up for less as just restarted.
    """
    server = request.getfixturevalue("redis_server")
    wait_until(lambda: server.client().info("server")["uptime_in_seconds"] >= 1, 10, "Redis up for 1 s")
    return redis_url_with_db(server.url, db)


# --- The scripts, each with its smallest run and what it must print ---------------------------


def log_redaction(tmp_path, request):
    lines = run_script("bench/log_redaction.py", "100", "400").splitlines()
    figures = [json.loads(line) for line in lines]
    assert [each["shape"] for each in figures] == list(SHAPES), lines
    for each in figures:
        assert set(each["ms_per_line"]) == {"100", "400"}, each
        assert all(ms >= 0 for ms in each["ms_per_line"].values()), each


def dpop(tmp_path, request):
    out = run_script(
        "-m",
        "bench.dpop",
        "--reps",
        "1",
        "-n",
        "2",
        env={"DATABASE_URL": f"sqlite:///{tmp_path}/dpop.sqlite3"},
    )
    figures = json.loads(out)
    timed = ("request_bearer", "request_dpop", "refresh_bearer", "refresh_dpop", "replay_record")
    timed += ("verify_proof_with_replay", "verify_proof_without_replay")
    assert all(figures[f"{name}_us"] > 0 for name in timed), figures
    assert figures["replay_store"] == "database" and figures["database"] == "sqlite3", figures
    assert (figures["reps"], figures["n"]) == (1, 2), figures


def dpop_replay(tmp_path, request):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/replay.sqlite3", "REDIS_URL": private_redis(request, 0)}
    figures = json.loads(run_script("-m", "bench.dpop_replay", "--reps", "1", "-n", "2", env=env))
    designs = figures["designs"]
    for values in designs.values():
        assert values["record_us"] > 0 and values["request_us"] > 0, figures
    assert designs["off"]["request_extra_us"] == 0, figures
    # Each design's statements say that it is the design it claims to be.
    assert {name: values["sql_per_record"] for name, values in designs.items()} == {
        "off": [],
        "redis_only": [],
        "database": ["INSERT"],
        "redis_then_read": ["SELECT"],
        "chosen": ["SELECT"],
        "chosen_after_restart": ["INSERT"],
    }, figures


def keys(tmp_path, request):
    # A symmetric and an asymmetric algorithm: only the second has a key file made for it.
    report = tmp_path / "keys.json"
    out = run_script(
        "-m", "bench.keys", "--algorithms", "HS256,ES256", "--reps", "1", "-n", "2", "--micro-n", "10",
        "--json", str(report),
    )  # fmt: skip
    rows = table(out, "| algorithm |")
    assert [row[0] for row in rows] == ["HS256", "ES256"], out
    assert all(is_number(cell) for row in rows for cell in row[1:]), out
    figures = json.loads(report.read_text())
    for algorithm, each in figures.items():
        assert each["micro"]["algorithm"] == algorithm, figures
        assert each["micro"]["sign_us"] > 0 and each["micro"]["verify_us"] > 0, figures
        assert each["refresh"]["p50_ms"] > 0 and each["get"]["p50_ms"] > 0, figures


def epoch_condition(tmp_path, request):
    base = pg_url_with_name(PG_SERVER, f"{PREFIX}_epochs")
    out = run_script(
        "-m", "bench.epoch_condition", "--sessions", "50", "--users", "5", "--epochs", "2", "-n", "5",
        "--reps", "1", env={"DATABASE_URL": base},
    )  # fmt: skip
    variants = ["without (before)", "NOT EXISTS (shipped)", "> COALESCE(MAX)", "> ALL"]
    rows = table(out, "| epochs | statement |")
    labels = ["authentication join", "rotation UPDATE"]
    statements = [f"{label}, round trip" for label in (*labels, *(f"{each}, prepared" for each in labels))]
    statements += [f"{label}, in PostgreSQL" for label in labels]
    assert [(row[0], row[1]) for row in rows] == [
        (epochs, statement) for epochs in ("0", "1", "2") for statement in statements
    ], out
    for row in rows:
        # Microseconds, or PostgreSQL's planning + execution microseconds.
        assert len(row) == 2 + len(variants), row
        assert all(is_number(part) for cell in row[2:] for part in cell.split(" + ")), row
    for variant in variants:
        assert f"{variant}, authentication join, 2 epochs:\n    " in out, out
    assert out.rstrip().endswith(f"Dropped {PREFIX}_epochs_epoch_sql."), out


def sessions_at_scale(tmp_path, request):
    # The admin's "page 100" of 50 rows needs 4,951 sessions at least: fewer, and it redirects.
    database = f"{PREFIX}_sessions"
    out = run_script(
        "bench/sessions_at_scale.py", "--sessions", "5000", "--users", "10", "--repeats", "1",
        "--page-repeats", "1", "--database", database, "--timeout", "170",
    )  # fmt: skip
    rows = table(out, "| operation | rows |")
    for row in rows:
        assert len(row) == 8 and row[1] == "5,000" and all(is_number(cell) for cell in row[2:5]), row
    notes = {row[0]: row[7] for row in rows}
    assert notes["revoke_sessions --user EMAIL"].startswith("Revoked 500 session(s) of user"), notes
    for name in ("revoke_sessions --all", "revoke_sessions --all, rows in no order"):
        assert notes[name] == "Revoked 5000 session(s) of every user.", notes
    for name in ("settling the epoch of --all", "settling the epoch of --all, rows in no order"):
        assert notes[name] == "5000 session rows written", notes
    assert notes["prune_sessions (2,500 old)"].startswith("Deleted 2500 session(s)"), notes
    # Every admin page, loaded before revoke_sessions --all, with its epoch unsettled, then settled.
    pages = [name for name in notes if name.startswith("admin ") and not name.endswith(" epoch]")]
    assert len(pages) >= 10, notes
    for phase in ("", " [unsettled epoch]", " [settled epoch]"):
        for page in pages:
            assert re.fullmatch(r"\d+ queries, \d+ rows shown", notes[page + phase]), (page + phase, notes)
    # Rows are counted on every kind of page: a change list's, and an inline's on the user page.
    shown = {page: int(re.search(r"(\d+) rows shown", notes[page]).group(1)) for page in pages}
    assert shown["admin sessions: first page"] == 50, shown
    assert shown["admin security events: first page"] == 50, shown
    assert shown["admin user page (sessions inline)"] > 0, shown
    assert re.search(
        r"^revoke_sessions --all, worst case .*: [\d.]+ s; target < 10 s: (NOT )?met$", out, re.M
    ), out
    assert re.search(r"^5,000 sessions, 10 users; \d+ CPUs; .*PostgreSQL .*; total \d+ s$", out, re.M), out
    assert out.rstrip().endswith(f"Dropped database {database}."), out


def metrics_cost(tmp_path, request):
    out = run_script(
        "-m", "bench.metrics_cost", "--reps", "1", "-n", "5", "--seconds", "0.3", "--connections", "2",
        "--calls", "1000",
    )  # fmt: skip
    heading = r"Metrics cost, .*: \d+ cores, .*, sqlite, medians of 1 alternating repetitions per side\.$"
    assert re.match(heading, out, re.M), out
    refresh = table(out, "| refresh | with metrics |")
    assert [row[0].split(" ")[:2] for row in refresh] == [
        ["in-process", "p50"],
        ["gunicorn", "(2"],
        ["gunicorn", "worker"],
        ["gunicorn", "p50"],
    ], out
    recording = table(out, "| one recording |")
    assert len(recording) == 2, out
    for row in refresh + recording:
        assert all(is_number(cell.removesuffix(" ns")) for cell in row[1:]), row


def profile(tmp_path, request):
    raw = tmp_path / "stacks"
    out = run_script(
        "-m", "bench.profile", "--pg-url", pg_url_with_name(PG_SERVER, f"{PREFIX}_profile"),
        "--redis-url", private_redis(request, 1), "--operations", "refresh_ours", "--seconds", "1",
        "--top", "5", "--raw-dir", str(raw),
    )  # fmt: skip
    found = re.search(
        r"^## refresh_ours: (\d+) req/s, (\d+) failed, worker CPU [\d.]+ ms per request, (\d+) samples$",
        out,
        re.M,
    )
    assert found, out
    requests, failed, samples = map(int, found.groups())
    assert requests > 0 and failed == 0 and samples > 0, out
    layers = table(out, "| layer (innermost frame) |")
    assert 99 <= sum(float(share.removesuffix(" %")) for _, share in layers) <= 101, out
    functions = table(out, "| function (with its callees) |")
    assert len(functions) == 5 and all(share.endswith(" %") for _, share in functions), out
    assert list(raw.glob("refresh_ours-*.txt")), "no py-spy stacks kept in --raw-dir"


def run_gunicorn(tmp_path, request):
    report = tmp_path / "run.json"
    out = run_script(
        "-m", "bench.run", "--backends", "postgres", "--redis", "with",
        "--pg-url", pg_url_with_name(PG_SERVER, f"{PREFIX}_tokens"), "--redis-url", private_redis(request, 2),
        "--reps", "1", "-n", "10", "--n-login", "1", "--http-reps", "1", "--seconds", "0.3",
        "--connections", "2", "--json", str(report),
    )  # fmt: skip
    (figures,) = json.loads(report.read_text())["runs"]
    assert figures["label"] == "postgres + Redis", figures
    assert_in_process(figures, out)
    timing = figures["gunicorn"]["timing"]
    for each in timing.values():
        assert each["failures"] == 0 and each["rps"] > 0 and each["cpu_ms"] > 0, timing
    revocation = figures["revocation"]
    assert revocation["workers_reached"] == 2 and revocation["refused_after"] == 2, revocation
    gunicorn = table(out, "| operation | ours req/s | ours p50 ms | ours p95 ms | ours CPU ms |")
    assert [row[0] for row in gunicorn][:3] == ["login", "refresh", "authenticated GET"], out
    targets = [row[1] for row in table(out, "| configuration | target |")]
    assert "revoked session refused at once by every worker" in targets, out
    assert "worker CPU per refresh ≤ 1.9 ms, gunicorn" in targets, out


def run_sqlite_in_process(tmp_path, request):
    report = tmp_path / "run.json"
    out = run_script(
        "-m", "bench.run", "--backends", "sqlite", "--redis", "without", "--skip-http",
        "--reps", "1", "-n", "10", "--n-login", "1", "--json", str(report),
    )  # fmt: skip
    (figures,) = json.loads(report.read_text())["runs"]
    assert figures["label"] == "sqlite" and "gunicorn" not in figures, figures
    assert_in_process(figures, out)
    assert "over gunicorn" not in out, out
    targets = table(out, "| configuration | target |")
    assert {row[0] for row in targets} == {"sqlite"}, out
    assert "revoked session refused at once (in-process)" in [row[1] for row in targets], out


def assert_in_process(figures, out):
    """Check bench/run.py's in-process figures (bench/inprocess.py's) and its table of them."""
    inprocess = figures["inprocess"]
    assert all(each["rps"] > 0 and each["p50_ms"] > 0 for each in inprocess["timing"].values()), inprocess
    assert inprocess["revoked_access_status"] == 401, inprocess
    rows = table(out, "| operation | ours req/s | ours p50 ms | ours p95 ms | stock req/s |")
    assert [row[0] for row in rows] == [
        "login",
        "refresh",
        "authenticated GET",
        "unauthenticated GET (same view)",
        "floor: GET + 1-row UPDATE",
    ], out
    assert all(is_number(cell) for cell in rows[1][1:8]), rows[1]
    for row in table(out, "| configuration | target |"):
        assert row[3] in ("yes", "**no**"), row


SCRIPTS = [
    pytest.param(log_redaction, id="log_redaction"),
    pytest.param(dpop, id="dpop"),
    pytest.param(dpop_replay, id="dpop_replay", marks=needs_redis),
    pytest.param(keys, id="keys"),
    pytest.param(epoch_condition, id="epoch_condition", marks=needs_postgres),
    pytest.param(sessions_at_scale, id="sessions_at_scale", marks=needs_postgres),
    pytest.param(metrics_cost, id="metrics_cost"),
    pytest.param(profile, id="profile", marks=[needs_postgres, needs_redis, needs_ptrace]),
    pytest.param(
        run_gunicorn, id="run, PostgreSQL + Redis, over gunicorn", marks=[needs_postgres, needs_redis]
    ),
    pytest.param(run_sqlite_in_process, id="run, SQLite, in-process only"),
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_runs_and_prints_its_figures(script, tmp_path, request):
    script(tmp_path, request)


def test_every_script_in_bench_is_run_by_a_test():
    run_here = {param.id.split(",")[0] for param in SCRIPTS}
    elsewhere = {"cluster", "load_fault", "inprocess", "keys_micro"}
    scripts = {path.stem for path in (ROOT / "bench").glob("*.py") if "__main__" in path.read_text()}
    assert scripts == run_here | elsewhere
