"""The short load-and-fault run (bench/load_fault.py) as a test: it fails on any 5xx from a live
worker, any forked refresh chain, any acknowledged todo that went missing, any request that timed
out, and more connection resets than the killed worker had requests in flight (one: its sync
worker serves one connection at a time).

On PostgreSQL (and Redis) when DATABASE_URL (and REDIS_URL) say so, else on a SQLite file. The
second run gives the server a redis-server of its own, killed and restarted empty mid-run.
"""

import json
import subprocess

import pytest

from testing.servers import PYTHON, ROOT


@pytest.mark.parametrize("extra", [[], ["--redis-fault"]], ids=["worker killed", "worker and Redis killed"])
def test_short_load_with_faults(tmp_path, extra):
    report_path = tmp_path / "load_fault.json"
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [
            PYTHON,
            "bench/load_fault.py",
            "--seconds",
            "10",
            "--clients",
            "8",
            "--json",
            str(report_path),
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert report_path.exists(), done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    summary = done.stdout + done.stderr[-2000:]
    assert report["killed_worker"], summary
    assert report["requests"] > 100, summary
    assert report["server_errors"] == 0, summary
    assert report["resets_bound"] == 1, summary
    assert report["resets_total"] <= report["resets_bound"], summary
    assert report["timeouts"] == 0, summary
    assert report["forked"]["double_200"] == [], summary
    assert report["forked"]["reuse_events"] == 0, summary
    assert report["forked"]["inconsistent_sessions"] == [], summary
    assert report["todos_missing"] == 0, summary
    if extra:
        assert report["redis"] and report["redis_fault"]["restarted_at"], summary
        assert report["redis_fault"]["requests_while_down"] >= 8, summary  # one per client at least
    assert done.returncode == 0, summary
