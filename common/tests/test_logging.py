"""An unhandled exception is logged to stderr with its traceback, and without the token it quotes.

Server processes' logs (DEBUG off, JSON lines, no secrets) are tested in
tests_cross_process/test_logging_server.py.
"""

import pytest

from accounts.tests.helpers import bearer

SECRET_PASSWORD = "Sup3r-secret-passphrase"


@pytest.mark.django_db
def test_an_unhandled_exception_logs_its_traceback_without_the_token(client, settings, stderr_log):
    settings.ROOT_URLCONF = "common.tests.crash_urls"
    client.raise_request_exception = False
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

    response = client.post(
        "/api/crash/", {"password": SECRET_PASSWORD}, content_type="application/json", **bearer(token)
    )

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    err = "\n".join(stderr_log())
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: a bug that quotes its input" in err
    assert token not in err and "c2lnbmF0dXJl" not in err
    assert SECRET_PASSWORD not in err
