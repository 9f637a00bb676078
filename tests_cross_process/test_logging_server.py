"""Server processes log to stderr whatever DJANGO_DEBUG says: one JSON object per line with
LOG_FORMAT=json, one line per security event, and never a token, password or Authorization header."""

import json
import subprocess

import pytest

from testing.servers import PYTHON, ROOT, Gunicorn, migrate, request, server_env

SECRET_PASSWORD = "Sup3r-secret-passphrase"


def test_debug_false_still_configures_stderr_logging(tmp_path):
    """With DJANGO_DEBUG=false the settings still send errors and security events to stderr."""
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('accounts.security').info('probe-line'); "
        "logging.getLogger('django.request').error('request-error')"
    )
    done = subprocess.run(  # noqa: S603 - a fixed command line
        [PYTHON, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789",
            "LOG_FORMAT": "json",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
        },
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("accounts.security", "INFO", "probe-line"),
        ("django.request", "ERROR", "request-error"),
    ]


@pytest.fixture(scope="module")
def json_logging_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("logs")
    env = server_env(
        database_url=f"sqlite:///{directory}/db.sqlite3",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-production-like-secret-key-for-this-test-only-0123456789",
        DJANGO_SECURE_SSL_REDIRECT="false",
        LOG_FORMAT="json",
        LOG_LEVEL="DEBUG",
    )
    migrate(env)
    log = directory / "server.log"
    with Gunicorn(env, log=log, extra_args=("--log-level", "warning")) as server:
        yield server, log


def test_no_token_or_password_reaches_the_logs_and_each_line_is_json(json_logging_server):
    server, log = json_logging_server
    port = server.port
    email = "logs@example.com"
    status, tokens = request(
        port, "POST", "/api/auth/register/", body={"email": email, "password": SECRET_PASSWORD}
    )
    assert status == 201
    assert (
        request(
            port, "POST", "/api/auth/login/", body={"email": email, "password": "wrong-" + SECRET_PASSWORD}
        )[0]
        == 401
    )
    status, rotated = request(port, "POST", "/api/auth/refresh/", token=tokens["refresh"])
    assert status == 200
    # Reuse of the old refresh token, a token in a query string, and a password change.
    assert request(port, "POST", "/api/auth/refresh/", token=tokens["refresh"])[0] == 401
    assert request(port, "GET", f"/api/todos/?token={rotated['access']}")[0] == 401
    status, _ = request(
        port,
        "POST",
        "/api/auth/password/change/",
        token=rotated["access"],
        body={"current_password": SECRET_PASSWORD, "new_password": "N3w-" + SECRET_PASSWORD},
    )
    assert status == 401  # reuse revoked the session the access token belongs to

    text = log.read_text()
    secrets = [SECRET_PASSWORD, tokens["access"], tokens["refresh"], rotated["access"], rotated["refresh"]]
    for secret in secrets:
        assert secret not in text
        assert secret.split(".")[-1] not in text  # not even a signature
    assert "Bearer ey" not in text and "Authorization" not in text

    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    events = [line for line in lines if line["logger"] == "accounts.security"]
    kinds = [line["event"] for line in events]
    assert kinds[:2] == ["login", "login_failed"]
    assert "refresh_reuse" in kinds and "session_revoked" in kinds
    reuse = next(line for line in events if line["event"] == "refresh_reuse")
    assert reuse["level"] == "WARNING"
    assert reuse["session_id"] == tokens["session"]["id"]
    assert reuse["client_ip"] == "127.0.0.1" and reuse["source"] == "api"
    assert reuse["user_id"] == tokens["user"]["id"]
