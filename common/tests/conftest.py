import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from accounts.tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def static_client(settings):
    """A Django client whose WhiteNoise serves static files from the finders, as `runserver` would.

    The tests run without `collectstatic`; WhiteNoise reads its settings when the
    middleware is built, which a new client does on its first request.
    """
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    return Client()


@pytest.fixture
def stderr_log():
    """Capture what the configured ``stderr`` handler writes; return a function that gives its lines."""
    handler = next(handler for handler in logging.getLogger("django").handlers if handler.name == "stderr")
    written = io.StringIO()
    previous = handler.setStream(written)
    try:
        yield lambda: written.getvalue().splitlines()
    finally:
        handler.setStream(previous)


@pytest.fixture
def run_settings(tmp_path):
    """Return a function that loads config.settings in a new process with ``env``, then runs ``code``.

    It returns the finished run (``returncode``, ``stdout``, ``stderr``).
    """

    def run(code="", **env):
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            cwd=Path(__file__).resolve().parents[2],
            capture_output=True,
            text=True,
            timeout=60,
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "DJANGO_SETTINGS_MODULE": "config.settings",
                "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
                **env,
            },
        )

    return run
