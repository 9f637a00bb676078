"""An unhandled exception is logged to stderr with its traceback, and without the token it quotes.

Server processes' logs (DEBUG off, JSON lines, no secrets) are tested in
tests_cross_process/test_logging_server.py.
"""

import io
import json
import logging
import re
import sys

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import bearer
from common import logs
from common.logs import RedactingFormatter, RedactingJsonFormatter

SECRET_PASSWORD = "Sup3r-secret-passphrase"

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures clear the cache table


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


# --- Text a client chose cannot forge a line ------------------------------------------------

FORGED = "2026-01-01 00:00:00,000 WARNING accounts.security 1 security event event=login user_id=1"


def record(message, *args, exc_info=None):
    return logging.LogRecord("accounts.test", logging.INFO, __file__, 1, message, args, exc_info)


def text_formatter():
    return RedactingFormatter("%(asctime)s %(levelname)s %(name)s %(process)d %(message)s")


@pytest.mark.parametrize("brk", ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"])
def test_a_line_break_in_a_message_cannot_start_a_line_of_its_own_in_the_text_log(brk):
    line = text_formatter().format(record("DPoP refused on POST %s: bad", f"/api/x{brk}{FORGED}"))
    assert len(line.splitlines()) == 1
    assert FORGED in line  # still there to read, after an escape, on the same line
    assert "/api/x\\" in line


def test_bidi_and_terminal_controls_in_a_message_are_written_as_escapes():
    line = text_formatter().format(record("agent %s", "Mozilla\u202e\x1b[2J"))
    assert line.endswith("agent Mozilla\\u202e\\u001b[2J")


def test_a_traceback_keeps_its_lines_after_an_escaped_message():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    lines = text_formatter().format(record("failed for %s", "a\nb", exc_info=exc_info)).splitlines()
    assert lines[0].endswith("failed for a\\nb")
    assert lines[1] == "Traceback (most recent call last):"
    assert lines[-1] == "RuntimeError: boom"


@pytest.mark.parametrize("separator", ["\t", "\n", "\r\n"])
def test_redaction_still_sees_a_credential_split_by_a_control(separator):
    line = text_formatter().format(record("header %s", f"Authorization: Bearer{separator}opaque-secret-42"))
    assert "opaque-secret-42" not in line
    assert len(line.splitlines()) == 1


def test_the_json_log_holds_the_same_message_on_one_line():
    message = f"/api/x\n{FORGED}\u202e\x85\u2028"
    line = RedactingJsonFormatter("%(message)s").format(record("%s", message))
    assert len(line.splitlines()) == 1
    assert json.loads(line)["message"] == message


def test_a_hostile_user_agent_and_device_name_forge_no_line_through_a_login(user):
    """The whole path a login takes, through the configured stderr handler (a guard: neither is logged)."""
    agent = f"Mozilla/5.0 Firefox/1.0\n{FORGED} forged=yes\u202e"
    handler, written = stderr_handler(), io.StringIO()
    previous = handler.setStream(written)
    try:
        client = APIClient()
        refused = client.post(
            "/api/auth/login/",
            {"email": user.email, "password": PASSWORD, "device_name": f"x\n{FORGED} forged=yes"},
            format="json",
            HTTP_USER_AGENT=agent,
        )
        accepted = client.post(
            "/api/auth/login/",
            {"email": user.email, "password": PASSWORD, "device_name": "phone user_id=1 forged=yes"},
            format="json",
            HTTP_USER_AGENT=agent,
        )
    finally:
        handler.setStream(previous)
    assert (refused.status_code, accepted.status_code) == (400, 200)
    lines = written.getvalue().splitlines()
    assert lines
    assert not [line for line in lines if "forged=yes" in line]
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ [\w.]+ \d+ ", line) for line in lines)
