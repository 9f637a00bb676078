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
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import bearer
from common.logs import RedactingFormatter, RedactingJsonFormatter

SECRET_PASSWORD = "Sup3r-secret-passphrase"

pytestmark = pytest.mark.django_db  # the suite's autouse fixtures clear the cache table


def stderr_handler():
    return next(handler for handler in logging.getLogger("django").handlers if handler.name == "stderr")


def test_an_unhandled_exception_logs_its_traceback_without_the_token(client, settings):
    settings.ROOT_URLCONF = "common.tests.crash_urls"
    client.raise_request_exception = False
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"

    handler, written = stderr_handler(), io.StringIO()
    previous = handler.setStream(written)
    try:
        response = client.post(
            "/api/crash/",
            {"password": SECRET_PASSWORD},
            content_type="application/json",
            **bearer(token),
        )
    finally:
        handler.setStream(previous)

    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error.", "code": "server_error"}
    err = written.getvalue()
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: a bug that quotes its input" in err
    assert token not in err and "c2lnbmF0dXJl" not in err
    assert SECRET_PASSWORD not in err


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
