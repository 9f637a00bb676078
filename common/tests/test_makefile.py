"""`make help` lists the targets that exist, each one a command `make` accepts."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fast_and_isolated():
    """Override the root fixture: no database or cache here, only the Makefile."""
    yield


def make(*args):
    assert shutil.which("make"), "the Makefile's tests need make"
    return subprocess.run(
        ["make", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_every_target_make_help_lists_exists():
    done = make("help")
    assert done.returncode == 0, done.stderr
    targets = [re.match(r"\s+make ([\w-]+)", line).group(1) for line in done.stdout.splitlines()]
    # The two commands the README starts with, and the ones it names for later.
    assert {"run", "test", "lint", "format", "coverage", "web", "help"} <= set(targets)
    assert len(targets) == len(set(targets))
    for target in targets:
        dry_run = make("-n", target)
        assert dry_run.returncode == 0, (target, dry_run.stderr)


@pytest.mark.parametrize("port", ["8000", "8001"])
def test_make_run_prints_a_localhost_url_whose_origin_passkeys_accept(port):
    """Passkeys need the page's host to be WEBAUTHN_RP_ID (localhost), and its origin listed."""
    dry_run = make("-n", "run", f"PORT={port}")
    assert dry_run.returncode == 0, dry_run.stderr
    echo = next(line for line in dry_run.stdout.splitlines() if line.startswith("echo "))
    assert f"http://localhost:{port}/" in echo
    assert "127.0.0.1" not in echo
    assert f'WEBAUTHN_ORIGINS="${{WEBAUTHN_ORIGINS:-http://localhost:{port}}}"' in dry_run.stdout
