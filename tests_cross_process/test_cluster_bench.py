"""The short multi-node run (bench/cluster.py --quick) as a test: several gunicorn nodes behind HAProxy,
PgBouncer in transaction pooling, Redis through Sentinel, a private PostgreSQL; a node, Redis's master
and PgBouncer fail midway.

It fails on any todo acknowledged and lost, any forked refresh chain, any revocation a node missed,
and any 5xx (or unanswered request) outside the failover windows it measures; its last line is the
summary that CI parses.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from testing.faults import postgres_installed
from testing.servers import PYTHON, ROOT

SUMMARY = re.compile(
    r"^refresh_per_vcpu=(?P<refresh_per_vcpu>[\d.]+) logins_per_vcpu=(?P<logins_per_vcpu>[\d.]+) "
    r"storm_refresh_p95_ratio=(?P<storm_refresh_p95_ratio>[\d.]+) lost=(?P<lost>\d+) forks=(?P<forks>\d+) "
    r"missed_revocations=(?P<missed_revocations>\d+) five_xx_outside_failover=(?P<five_xx_outside_failover>\d+)$"
)

pytestmark = pytest.mark.skipif(
    not postgres_installed()
    or not all(shutil.which(tool) for tool in ("haproxy", "redis-server"))
    or not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()),
    reason="needs PostgreSQL's server binaries, PgBouncer, HAProxy and redis-server",
)


def test_the_quick_cluster_run_loses_nothing_and_ends_with_its_summary(tmp_path):
    report_path = tmp_path / "cluster.json"
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "bench/cluster.py", "--quick", "--json", str(report_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = done.stdout + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    found = SUMMARY.match(last)
    assert found, output
    summary = {key: float(value) for key, value in found.groupdict().items()}
    assert summary["lost"] == summary["forks"] == summary["missed_revocations"] == 0, output
    assert summary["five_xx_outside_failover"] == 0, output
    assert summary["refresh_per_vcpu"] > 0 and summary["logins_per_vcpu"] > 0, output
    assert done.returncode == 0, output
    report = json.loads(report_path.read_text())
    # Every fault happened and was measured; the load went on meanwhile.
    assert set(report["failover_windows"]) == {"node_killed", "redis_failover", "pgbouncer_restart"}
    assert all(window["requests"] > 0 for window in report["failover_windows"].values()), output
    assert report["failover_windows"]["redis_failover"]["5xx"] == 0, output
    assert report["probes"]["count"] > 0 and report["todos"]["acknowledged"] > 0, output
    assert report["refresh_tokens_continued"] > 0, output
