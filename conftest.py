"""Fixtures shared by every app's tests."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from common import db, failsafe, outages
from testing.faults import RedisServer


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Hash passwords cheaply, send mail at once, and start each test with no throttle or session state."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Mails go to the locmem outbox at once (pytest-django's backend), not from a thread later.
    settings.EMAIL_SEND_IN_BACKGROUND = False
    failsafe.breaker.reset()
    outages.database.reset()
    outages.statements_cancelled.reset()
    cache.clear()
    yield
    cache.clear()
    failsafe.breaker.reset()


def _only_test_blocks(connection):
    return connection.in_atomic_block and all(block._from_testcase for block in connection.atomic_blocks)


@pytest.fixture(autouse=True)
def _commit_hooks_run_as_after_a_commit(monkeypatch):
    """Run ``on_commit`` callbacks where production would: when the code's outermost atomic block ends.

    pytest-django wraps each test in a transaction that never commits, so callbacks (dropping
    cached session state after a revocation) would otherwise never run. The code's own blocks
    are savepoints inside the test's; ending the outermost of them is the commit it stands for.
    """
    queue = BaseDatabaseWrapper.on_commit
    leave = transaction.Atomic.__exit__

    def on_commit(connection, func, robust=False):
        if _only_test_blocks(connection):
            func()  # autocommit, as far as the code under test can tell
        else:
            queue(connection, func, robust)

    def exit_block(block, exc_type, exc_value, traceback):
        connection = transaction.get_connection(block.using)
        result = leave(block, exc_type, exc_value, traceback)
        if exc_type is None and _only_test_blocks(connection) and connection.run_on_commit:
            pending, connection.run_on_commit = connection.run_on_commit, []
            for _, func, _ in pending:
                func()
        return result

    monkeypatch.setattr(BaseDatabaseWrapper, "on_commit", on_commit)
    monkeypatch.setattr(transaction.Atomic, "__exit__", exit_block)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A private redis-server for the module's tests, to point settings at and to break."""
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def login(api_client):
    """Log ``user`` in through the API and return the token response body."""

    def _login(user, password=PASSWORD, device_name="test device", **extra):
        response = api_client.post(
            "/api/auth/login/",
            {"email": user.email, "password": password, "device_name": device_name},
            format="json",
            **extra,
        )
        assert response.status_code == 200, response.content
        return response.json()

    return _login


@pytest.fixture
def auth_client(user, login):
    """An API client authenticated with a fresh access token of ``user``."""
    client = APIClient()
    tokens = login(user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.tokens = tokens
    return client


@pytest.fixture
def behind_proxies(settings):
    """Return a function that sets what ``NUM_PROXIES=n`` sets in config/settings.py (DRF's copy too)."""

    def apply(n: int) -> None:
        settings.NUM_PROXIES = n
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": n}
        settings.USE_X_FORWARDED_HOST = n > 0
        settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if n else None

    return apply


@pytest.fixture
def statements_bounded(settings):
    """Bound this process's statements at 0.5 s as a server's are (common.db), on a connection opened afresh.

    For PostgreSQL tests with ``django_db(transaction=True)``: the connection is closed.
    """
    settings.DB_STATEMENT_TIMEOUT_SECONDS = 0.5
    settings.AUTH_THROTTLE_RATE = "none"
    db.bound_requests()
    connection.close()
    yield settings.DB_STATEMENT_TIMEOUT_SECONDS
    db._requests_bounded = False
    connection.close()  # the next test's connection comes without the bound


@pytest.fixture
def run_settings(tmp_path):
    """Return a function that loads config.settings in a new process with ``env``, then runs ``code``.

    It returns the finished run (``returncode``, ``stdout``, ``stderr``).
    """

    def run(code="", **env):
        return subprocess.run(
            [sys.executable, "-c", f"import django; django.setup()\n{code}"],
            cwd=Path(__file__).resolve().parent,
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
