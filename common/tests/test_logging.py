"""An unhandled exception is logged to stderr with its traceback, and without the token it quotes.

Server processes' logs (DEBUG off, JSON lines, no secrets) are tested in
tests_cross_process/test_logging_server.py.
"""

import io
import json
import logging

import pytest
from django.conf import settings

from accounts.tests.helpers import bearer
from common import logs

pytestmark = pytest.mark.django_db  # the shared fixtures clear the database cache

SECRET_PASSWORD = "Sup3r-secret-passphrase"


def stderr_handler():
    return next(handler for handler in logging.getLogger("django").handlers if handler.name == "stderr")


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


# --- Each redaction, on what only it catches --------------------------------------------------

RESET_TOKEN = "c4x-0a1b2c3d4e5f60718293a4b5c6d7e8f9"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJqdGkiOiJ4In0.c2lnbmF0dXJl"

# For each redaction: lines holding a secret that no other redaction would remove.
ONLY_CAUGHT_BY = {
    "authorization_scheme": [
        ("header was Bearer opaque-access-value", "opaque-access-value"),
        ("Authorization: DPoP opaque-proof-value", "opaque-proof-value"),
        ("Basic YWRhOnMzY3IzdA== refused", "YWRhOnMzY3IzdA=="),
    ],
    "authorization_header": [
        ("{'HTTP_AUTHORIZATION': 'Negotiate oQcwBaADCgEA', 'HTTP_HOST': 'x'}", "oQcwBaADCgEA"),
        ('"Authorization": "Digest opaque-digest"', "opaque-digest"),
    ],
    "jwt": [
        (f"refresh refused: {JWT}", "c2lnbmF0dXJl"),
        (f"{{'HTTP_DPOP': '{JWT}'}}", "eyJqdGkiOiJ4In0"),
    ],
    "quoted_secret": [
        ("{'new_password': 'Sup3r secret', 'email': 'a@example.com'}", "Sup3r secret"),
        ('{"current_password": "hunter2 hunter2"}', "hunter2"),
        ('{"password": "quote\\" inside"}', "inside"),
        ("{'token': 'it\\'s " + RESET_TOKEN + "'}", RESET_TOKEN),
        ('body cut short: {"token": "' + RESET_TOKEN, RESET_TOKEN),
    ],
    "json_escaped_secret": [
        (json.dumps({"message": f'body {{"password": "{SECRET_PASSWORD}"}}'}), SECRET_PASSWORD),
        (json.dumps({"message": json.dumps({"uid": "MQ", "token": RESET_TOKEN})}), RESET_TOKEN),
        (json.dumps({"message": json.dumps({"new_password": 'a "quoted" \\ s3cr3t\nword'})}), "s3cr3t"),
        (json.dumps({"message": json.dumps({"password": SECRET_PASSWORD})[:-3]}), SECRET_PASSWORD[:-2]),
    ],
    "secret_parameter": [
        (f"Not Found: /api/nothing/?page=2&token={RESET_TOKEN}", RESET_TOKEN),
        (f"https://app.example.com/#/reset-password?uid=MQ&token={RESET_TOKEN}", RESET_TOKEN),
        (f"password={SECRET_PASSWORD}&email=a%40example.com", SECRET_PASSWORD),
        ("current_password=0ld-passphrase&new_password=N3w-passphrase", "passphrase"),
        ("GET /api/todos/?access_token=opaque-in-a-query", "opaque-in-a-query"),
    ],
    "reset_link_uid": [
        (f"https://app.example.com/reset?uid=NDI&token={RESET_TOKEN}", "uid=NDI"),
        ("/reset-password#uid=MTIzNDU&token=x", "MTIzNDU"),
    ],
}


def test_every_redaction_has_cases():
    assert [redaction.name for redaction in logs.REDACTIONS] == list(ONLY_CAUGHT_BY)


@pytest.mark.parametrize(
    ("name", "line", "secret"),
    [(name, line, secret) for name, cases in ONLY_CAUGHT_BY.items() for line, secret in cases],
)
def test_each_redaction_removes_a_secret_that_no_other_would(name, line, secret):
    assert secret not in logs.redact(line)
    # Without this redaction the secret stays: the case tests this one, not another.
    others = [redaction for redaction in logs.REDACTIONS if redaction.name != name]
    assert secret in logs.redact(line, others)


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        (
            f"GET /api/todos/?page=2&token={RESET_TOKEN}&ordering=-id",
            "GET /api/todos/?page=2&token=[redacted]&ordering=-id",
        ),
        (
            f"/#/reset-password?uid=MQ&token={RESET_TOKEN}",
            "/#/reset-password?uid=[redacted]&token=[redacted]",
        ),
        (
            "password=a&new_password=b&device_name=Laptop",
            "password=[redacted]&new_password=[redacted]&device_name=Laptop",
        ),
        (
            json.dumps({"message": json.dumps({"email": "a@example.com", "password": "p"})}),
            json.dumps({"message": json.dumps({"email": "a@example.com", "password": "[redacted]"})}),
        ),
        # What is not a secret stays, to keep logs useful.
        ("GET /api/users/?uid=42&page=3", "GET /api/users/?uid=42&page=3"),
        (
            "{'email': 'a@example.com', 'device_name': 'Phone'}",
            "{'email': 'a@example.com', 'device_name': 'Phone'}",
        ),
    ],
)
def test_redaction_keeps_the_rest_of_the_line(line, redacted):
    assert logs.redact(line) == redacted


# --- The formatters, on the lines Django writes -----------------------------------------------


@pytest.fixture
def json_stderr():
    """Write the stderr handler's lines with the LOG_FORMAT=json formatter into a buffer."""
    handler, written = stderr_handler(), io.StringIO()
    config = {key: value for key, value in settings.LOGGING["formatters"]["json"].items() if key != "()"}
    previous_stream, previous_formatter = handler.setStream(written), handler.formatter
    handler.setFormatter(logs.RedactingJsonFormatter(**config))
    yield written
    handler.setFormatter(previous_formatter)
    handler.setStream(previous_stream)


@pytest.mark.parametrize(
    ("path", "status", "secrets"),
    [
        (f"/api/todos/?page=1&token={RESET_TOKEN}", 401, [RESET_TOKEN]),
        (f"/reset-password/x/?uid=MTIzNDU&token={RESET_TOKEN}", 404, ["MTIzNDU", RESET_TOKEN]),
        (f"/api/nothing/?password={SECRET_PASSWORD}", 404, [SECRET_PASSWORD]),
    ],
)
def test_a_logged_4xx_writes_its_request_field_without_the_secrets(
    client, json_stderr, path, status, secrets
):
    assert client.get(path).status_code == status
    [line] = [json.loads(text) for text in json_stderr.getvalue().splitlines()]
    assert (line["logger"], line["level"], line["status_code"]) == ("django.request", "WARNING", status)
    # The request's repr, which names the whole path and query.
    assert line["request"].startswith(f"<WSGIRequest: GET '{path.split('?')[0]}?")
    assert "=[redacted]" in line["request"]
    for secret in secrets:
        assert secret not in json_stderr.getvalue()


def test_a_json_line_quoting_a_json_body_keeps_neither_password(json_stderr):
    body = json.dumps(
        {"email": "a@example.com", "password": SECRET_PASSWORD, "new_password": "N3w-" + SECRET_PASSWORD}
    )
    logging.getLogger("django.security").warning("rejected body %s", body)
    [line] = [json.loads(text) for text in json_stderr.getvalue().splitlines()]
    assert json.loads(line["message"].removeprefix("rejected body ")) == {
        "email": "a@example.com",
        "password": "[redacted]",
        "new_password": "[redacted]",
    }
    assert SECRET_PASSWORD not in json_stderr.getvalue()
