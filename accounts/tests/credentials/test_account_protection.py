"""Account protection (API.md): reuse policy and mails, new-device mails, log out other devices,
renaming a session, the session cap and the mail machinery's failure modes."""

import json
import logging
import re
import smtplib
import socket
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocMemBackend
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import notifications
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, User
from accounts.tests.factories import PASSWORD, DeviceSessionFactory, UserFactory
from accounts.tests.helpers import assert_alive, assert_dead, bearer, change_password, get_sessions, refresh
from common.client_text import find_unsafe
from testing.servers import free_port

pytestmark = pytest.mark.django_db

LOGIN_URL = "/api/auth/login/"
REGISTER_URL = "/api/auth/register/"
LOGOUT_OTHERS_URL = "/api/auth/logout-others/"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)


def login_as(user, *, agent=FIREFOX, ip="198.51.100.7", device_name=None, client=None):
    body = {"email": user.email, "password": PASSWORD}
    if device_name is not None:
        body["device_name"] = device_name
    return (client or APIClient()).post(LOGIN_URL, body, format="json", HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)


def logged_in(user, **kwargs):
    response = login_as(user, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()


def every_part(message):
    """Return the subject, the plain-text body and the HTML alternative of an outbox message."""
    return [message.subject, message.body, *(content for content, _ in message.alternatives)]


def assert_no_token_in(message, *token_responses):
    for part in every_part(message):
        for tokens in token_responses:
            for name in ("access", "refresh"):
                assert tokens[name] not in part
                assert tokens[name].split(".")[-1] not in part
        assert "eyJ" not in part  # no JWT of any kind


def mails_named(fragment):
    return [message for message in mail.outbox if fragment in message.subject]


# --- Refresh token reuse --------------------------------------------------------------------


def test_reuse_revokes_the_session_only_and_mails_the_user(settings, user):
    settings.REFRESH_REUSE_REVOKES = "session"
    client = APIClient()
    stolen = logged_in(user, device_name="Ada's laptop", ip="198.51.100.7")
    other = logged_in(user, device_name="phone", ip="198.51.100.8")
    rotated = refresh(client, stolen["refresh"]).json()
    mail.outbox.clear()

    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        reused_at = timezone.now()
        response = refresh(client, stolen["refresh"])  # from the test client's 127.0.0.1
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"
    assert_dead(client, rotated)
    assert_alive(client, other)

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Security alert: one of your sessions was ended"  # no device name in it
    text, html = message.body, message.alternatives[0][0]
    for part in (text, html):
        assert "laptop" in part
        assert "198.51.100.7" in part  # where the session signed in
        assert "127.0.0.1" in part  # where the token was replayed from
        assert reused_at.strftime("%Y-%m-%d %H:%M:%S") in part
        assert "Change your password" in part
    assert "<code>&quot;Ada&#x27;s laptop&quot;</code>" in html  # quoted, and escaped in HTML
    assert '\n      "Ada\'s laptop"\n' in text  # quoted, on a line of its own
    assert_no_token_in(message, stolen, other, rotated)

    notified = SecurityEvent.objects.get(type=SecurityEvent.Type.REUSE_NOTIFIED)
    assert (notified.user_id, str(notified.session_id), notified.reason, notified.count) == (
        user.pk,
        stolen["session"]["id"],
        RevokeReason.REUSE_DETECTED,
        1,
    )


def test_reuse_with_user_policy_revokes_every_session_of_the_user(settings, user):
    settings.REFRESH_REUSE_REVOKES = "user"
    client = APIClient()
    stolen = logged_in(user, device_name="laptop")
    others = [logged_in(user, device_name=f"device {i}") for i in range(2)]
    bystander = logged_in(UserFactory())
    refresh(client, stolen["refresh"])
    mail.outbox.clear()

    assert refresh(client, stolen["refresh"]).status_code == 401

    for tokens in (stolen, *others):
        assert_dead(client, tokens)
    assert_alive(client, bystander)
    assert set(DeviceSession.objects.filter(user=user).values_list("revoke_reason", flat=True)) == {
        RevokeReason.REUSE_DETECTED
    }
    revocation = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (revocation.user_id, revocation.reason, revocation.count) == (
        user.pk,
        RevokeReason.REUSE_DETECTED,
        3,
    )
    [message] = mail.outbox
    assert "signed out everywhere" in message.subject
    assert "every session of your account (3 in all)" in message.body
    assert_no_token_in(message, stolen, *others)


def test_reuse_of_a_session_already_revoked_mails_nobody_twice(user):
    client = APIClient()
    tokens = logged_in(user)
    refresh(client, tokens["refresh"])
    mail.outbox.clear()
    assert refresh(client, tokens["refresh"]).status_code == 401
    assert refresh(client, tokens["refresh"]).status_code == 401
    assert len(mail.outbox) == 1
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.REUSE_NOTIFIED).count() == 1


def test_grace_window_retry_mails_nobody(settings, user):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    client = APIClient()
    tokens = logged_in(user)
    mail.outbox.clear()
    assert refresh(client, tokens["refresh"]).status_code == 200
    assert refresh(client, tokens["refresh"]).status_code == 200
    assert mail.outbox == []


# --- Logins from a new device ---------------------------------------------------------------


def test_register_sends_no_mail_nor_does_a_login_from_the_same_device():
    response = APIClient().post(
        REGISTER_URL,
        {"email": "new@example.com", "password": PASSWORD},
        format="json",
        HTTP_USER_AGENT=FIREFOX,
    )
    assert response.status_code == 201
    user = DeviceSession.objects.get().user
    logged_in(user, agent=FIREFOX)
    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(detail__new_device=True).exists()


def test_login_from_a_new_device_mails_its_name_ip_and_time(user):
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        tokens = logged_in(user, agent=CHROME_MAC, ip="203.0.113.9")
        logged_in_at = timezone.now()

    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "New sign-in to your account"
    for part in (message.body, message.alternatives[0][0]):
        assert "Chrome on macOS" in part
        assert "Chrome/126.0" in part  # the User-Agent
        assert "203.0.113.9" in part
        assert logged_in_at.strftime("%Y-%m-%d %H:%M:%S") in part
        assert "change your password" in part
    assert_no_token_in(message, tokens)
    # One event for the login, flagged as from a new device: not a second row beside it.
    event = SecurityEvent.objects.get(session_id=tokens["session"]["id"])
    assert (event.type, event.user_id, event.ip_address) == (SecurityEvent.Type.LOGIN, user.pk, "203.0.113.9")
    assert event.detail == {"new_device": True, "device": "Chrome on macOS"}
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.NEW_DEVICE_LOGIN).exists()


def test_a_login_from_a_known_device_is_one_unflagged_event(user):
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    tokens = logged_in(user, agent=FIREFOX)
    [event] = SecurityEvent.objects.filter(session_id=tokens["session"]["id"])
    assert event.type == SecurityEvent.Type.LOGIN
    assert event.detail == {}
    assert mail.outbox == []


def test_a_new_device_login_logs_one_security_line_that_says_so(user, caplog):
    caplog.set_level("INFO", logger="accounts.security")
    logged_in(user, agent=CHROME_MAC)
    lines = [r.getMessage() for r in caplog.records if r.name == "accounts.security"]
    assert len(lines) == 1
    assert lines[0].startswith("security event event=login ")
    assert "new_device=True" in lines[0]


def test_a_device_counts_as_known_for_new_device_window_days_after_its_last_use(settings, user):
    settings.NEW_DEVICE_WINDOW_DAYS = 90
    now = timezone.now()
    DeviceSessionFactory(
        user=user,
        user_agent=FIREFOX,
        created_at=now - timedelta(days=120),
        last_used_at=now - timedelta(days=89),
        revoked_at=now - timedelta(days=80),  # ended sessions count: the device is still known
    )
    DeviceSessionFactory(
        user=user,
        user_agent=CHROME_MAC,
        created_at=now - timedelta(days=100),
        last_used_at=now - timedelta(days=91),
    )
    logged_in(user, agent=FIREFOX)
    assert mail.outbox == []
    logged_in(user, agent=CHROME_MAC)
    assert len(mail.outbox) == 1


def test_new_device_window_zero_turns_the_mail_off(settings, user):
    settings.NEW_DEVICE_WINDOW_DAYS = 0
    logged_in(user, agent=CHROME_MAC)
    assert mail.outbox == []


def test_a_denied_login_mails_nothing(settings, user):
    settings.SESSION_MAX_PER_USER = 1
    settings.SESSION_LIMIT_POLICY = "deny"
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    assert login_as(user, agent=CHROME_MAC).status_code == 409
    assert mail.outbox == []
    assert not SecurityEvent.objects.filter(detail__new_device=True).exists()


# --- Mail failures, templates and the background sender ------------------------------------


class FailingBackend(LocMemBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class SlowBackend(LocMemBackend):
    def send_messages(self, messages):
        time.sleep(1.0)
        return super().send_messages(messages)


FAILING = f"{__name__}.FailingBackend"


def test_a_failing_mail_server_changes_no_answer_and_is_logged(settings, user, caplog):
    settings.EMAIL_BACKEND = FAILING
    client = APIClient()
    caplog.set_level(logging.INFO, logger="accounts.notifications")

    tokens = logged_in(user, agent=CHROME_MAC)  # a new device: mailed, and failing
    refresh(client, tokens["refresh"])
    reuse = refresh(client, tokens["refresh"])
    assert reuse.status_code == 401
    assert reuse.json() == {
        "detail": "The refresh token is invalid, expired or revoked.",
        "code": "token_not_valid",
        "reason": "reuse_detected",
    }
    assert DeviceSession.objects.get(pk=tokens["session"]["id"]).revoke_reason == RevokeReason.REUSE_DETECTED

    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    messages = [record.getMessage() for record in failures]
    assert messages == [
        f"Could not send the new_device mail to user {user.pk}: "
        "SMTPServerDisconnected: Connection unexpectedly closed",
        f"Could not send the reuse mail to user {user.pk}: "
        "SMTPServerDisconnected: Connection unexpectedly closed",
    ]
    assert all(record.name == "accounts.notifications" for record in failures)
    for text in caplog.text, *messages:
        assert tokens["refresh"] not in text and tokens["access"] not in text


def test_a_template_that_does_not_render_changes_no_answer_and_is_logged(settings, user, tmp_path, caplog):
    override = tmp_path / "accounts" / "email"
    override.mkdir(parents=True)
    (override / "new_device.txt").write_text("{% if %}broken")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    assert mail.outbox == []
    assert "Could not render the new_device mail" in caplog.text


def test_a_deployer_overrides_a_mail_from_template_dirs(settings, user, tmp_path):
    override = tmp_path / "accounts" / "email"
    override.mkdir(parents=True)
    (override / "new_device_subject.txt").write_text("Example Corp: sign-in from {{ device }}\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    logged_in(user, agent=CHROME_MAC)
    [message] = mail.outbox
    assert message.subject == "Example Corp: sign-in from Chrome on macOS"
    assert message.body.startswith("Hello,\n")  # the body is still the app's own


def test_a_deployers_subject_with_line_breaks_cannot_break_the_header(settings, user, tmp_path):
    override = tmp_path / "accounts" / "email"
    override.mkdir(parents=True)
    (override / "new_device_subject.txt").write_text("Sign-in\r\nBcc: victim@example.com\n")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    logged_in(user, agent=CHROME_MAC)
    [message] = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.message()["Bcc"] is None


def test_in_background_no_answer_waits_on_a_slow_mail_server(settings, user):
    settings.EMAIL_SEND_IN_BACKGROUND = True
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    started = time.monotonic()
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    assert time.monotonic() - started < 0.8
    notifications.mail_sending_wait()
    assert len(mail.outbox) == 1


def test_in_background_a_failure_is_logged_too(settings, user, caplog):
    settings.EMAIL_SEND_IN_BACKGROUND = True
    settings.EMAIL_BACKEND = FAILING
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    notifications.mail_sending_wait()
    assert "Could not send the new_device mail" in caplog.text


@pytest.fixture
def smtp_server_that_never_answers():
    """A real socket that accepts SMTP connections and then says nothing: a hung mail server."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener.getsockname()[1]
    listener.close()


def real_smtp(settings, port, *, background):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_SEND_IN_BACKGROUND = background


@pytest.mark.parametrize("background", [True, False], ids=["in background", "inline"])
def test_a_mail_server_that_refuses_connections_changes_no_answer(settings, user, caplog, background):
    real_smtp(settings, free_port(), background=background)  # nothing listens there
    started = time.monotonic()
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    assert time.monotonic() - started < 1
    notifications.mail_sending_wait()
    assert "Could not send the new_device mail" in caplog.text


def test_a_hung_mail_server_holds_no_answer_in_background_and_the_thread_gives_up(
    settings, user, caplog, smtp_server_that_never_answers
):
    real_smtp(settings, smtp_server_that_never_answers, background=True)
    started = time.monotonic()
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    assert time.monotonic() - started < 0.8
    notifications.mail_sending_wait(timeout=5)
    assert "Could not send the new_device mail" in caplog.text  # EMAIL_TIMEOUT ended the wait


def test_inline_a_hung_mail_server_costs_at_most_email_timeout(
    settings, user, smtp_server_that_never_answers
):
    real_smtp(settings, smtp_server_that_never_answers, background=False)
    started = time.monotonic()
    assert login_as(user, agent=CHROME_MAC).status_code == 200
    assert time.monotonic() - started < 1 + 1.5


# --- Text a client chose, in a mail (API.md "Input that reaches people") ----------------------

# What an attacker holding a session would like the user to read in our genuine mail.
PHISH = "We locked your account. Restore it at https://evil.example/restore"


def assert_shown_only_as_quoted_data(message, text, label):
    """Assert ``text`` is in no subject, and in the plain body only as a quoted line under ``label``."""
    assert text not in message.subject
    assert PHISH not in message.subject
    lines = message.body.splitlines()
    holding = [index for index, line in enumerate(lines) if "evil.example" in line]
    assert holding, message.body
    for index in holding:
        line = lines[index]
        assert re.fullmatch(r' {6}"(?:[^"\\]|\\.)*"', line), line  # one JSON string, indented
        assert json.loads(line) == text
        assert lines[index - 1].strip().startswith(label)
    # No line starts with the attacker's words, nor holds a raw control or bidi character.
    assert not any(line.lstrip().startswith("We locked") for line in lines)
    for part in every_part(message):
        assert find_unsafe(part.replace("\n", "")) is None
    html = message.alternatives[0][0]
    assert "<code>&quot;" in html and "evil.example" in html
    assert "<td>We locked" not in html


def test_a_new_device_mail_quotes_a_hostile_user_agent_and_keeps_it_out_of_the_subject(user):
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    agent = f"Mozilla/5.0 Chrome/126.0\r\n\r\n{PHISH}\u202e\x85"
    logged_in(user, agent=agent)
    [message] = mail.outbox
    assert message.subject == "New sign-in to your account"
    assert_shown_only_as_quoted_data(message, agent, "Browser, as the device announced it")


def test_a_new_device_mail_quotes_a_hostile_one_line_name(user):
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    name = f'Phone" {PHISH} "'  # one line, so the API takes it: the mail must still mark it
    logged_in(user, agent=CHROME_MAC, device_name=name)
    [message] = mail.outbox
    assert message.subject == "New sign-in to your account"
    assert_shown_only_as_quoted_data(message, name, "Device name, as the device gave it")


@pytest.mark.parametrize("policy", ["session", "user"])
def test_a_reuse_mail_quotes_a_name_stored_before_the_rule(settings, user, policy):
    settings.REFRESH_REUSE_REVOKES = policy
    client = APIClient()
    stolen = logged_in(user)
    name = f"laptop\n\n{PHISH}\u202e"
    DeviceSession.objects.filter(pk=stolen["session"]["id"]).update(device_name=name)
    refresh(client, stolen["refresh"])
    mail.outbox.clear()
    assert refresh(client, stolen["refresh"]).status_code == 401
    [message] = mail.outbox
    assert message.subject.startswith("Security alert: ")
    assert_shown_only_as_quoted_data(message, name, "Device name, as the device gave it")


def test_no_mail_greets_the_user_by_a_name_they_chose(user, settings):
    # A profile name is one line (users' API), but a line of the attacker's in our own greeting
    # would still read as ours: the mails greet no one by name.
    User.objects.filter(pk=user.pk).update(first_name=PHISH)
    DeviceSessionFactory(user=user, user_agent=FIREFOX)
    stolen = logged_in(user, agent=CHROME_MAC)
    client = APIClient()
    refresh(client, stolen["refresh"])
    refresh(client, stolen["refresh"])
    APIClient().post("/api/auth/password/reset/", {"email": user.email}, format="json")
    assert [m.subject for m in mail.outbox] == [
        "New sign-in to your account",
        "Security alert: one of your sessions was ended",
        "Reset your password",
    ]
    for message in mail.outbox:
        for part in every_part(message):
            assert "evil.example" not in part
        assert message.body.startswith("Hello,\n")


# --- Log out other devices ------------------------------------------------------------------


def test_logout_others_keeps_only_the_callers_session(user):
    client = APIClient()
    mine, *others = (logged_in(user, device_name=f"device {i}") for i in range(3))
    bystander = logged_in(UserFactory())
    response = client.post(LOGOUT_OTHERS_URL, **bearer(mine["access"]))
    assert response.status_code == 204
    assert response.content == b""
    assert_alive(client, mine)
    assert refresh(client, mine["refresh"]).status_code == 200
    for tokens in others:
        assert_dead(client, tokens)
    assert_alive(client, bystander)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.user_id, event.reason, event.count, event.source) == (
        user.pk,
        RevokeReason.LOGOUT_OTHERS,
        2,
        "api",
    )


def assert_needs_an_access_token(method, url, tokens, *, data, not_json):
    """Assert that ``method`` on ``url`` wants the access token and a JSON body.

    401 (a Bearer challenge) without a token or with the refresh token; 415 for the
    ``not_json`` body, a (data, content type) pair, with the access token.
    """
    send = getattr(APIClient(), method)
    assert send(url, data, format="json").status_code == 401
    response = send(url, data, format="json", **bearer(tokens["refresh"]))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    body, content_type = not_json
    assert send(url, body, content_type=content_type, **bearer(tokens["access"])).status_code == 415


def test_logout_others_needs_an_access_token(user):
    assert_needs_an_access_token(
        "post", LOGOUT_OTHERS_URL, logged_in(user), data=None, not_json=("a=b", "text/plain")
    )


# --- Renaming a session ---------------------------------------------------------------------


def session_url(session_id):
    return f"/api/auth/sessions/{session_id}/"


def test_rename_answers_the_session_as_the_list_shows_it(user):
    client = APIClient()
    mine = logged_in(user, device_name="old name")
    other = logged_in(user, device_name="phone")
    response = client.patch(
        session_url(other["session"]["id"]),
        {"device_name": "My phone"},
        format="json",
        **bearer(mine["access"]),
    )
    assert response.status_code == 200
    listed = {item["id"]: item for item in get_sessions(client, mine["access"]).json()["results"]}
    assert response.json() == listed[other["session"]["id"]]
    assert response.json()["device_name"] == "My phone"
    assert response.json()["current"] is False
    own = client.patch(
        session_url(mine["session"]["id"]),
        {"device_name": "x" * 100},
        format="json",
        **bearer(mine["access"]),
    )
    assert own.status_code == 200
    assert own.json()["current"] is True
    assert DeviceSession.objects.get(pk=mine["session"]["id"]).device_name == "x" * 100


@pytest.mark.parametrize(
    "body",
    [{}, {"device_name": ""}, {"device_name": "   "}, {"device_name": "x" * 101}, {"device_name": None}],
)
def test_rename_refuses_a_bad_name_with_400(user, body):
    tokens = logged_in(user)
    response = APIClient().patch(
        session_url(tokens["session"]["id"]), body, format="json", **bearer(tokens["access"])
    )
    assert response.status_code == 400
    assert "device_name" in response.json()


def test_rename_answers_404_for_another_users_an_unknown_or_an_ended_session(user):
    client = APIClient()
    tokens = logged_in(user)
    strangers = DeviceSessionFactory()
    ended = DeviceSessionFactory(user=user, revoked_at=timezone.now())
    expired = DeviceSessionFactory(user=user, created_at=timezone.now() - timedelta(days=40))
    for session_id in (strangers.pk, ended.pk, expired.pk, "0190f0f0-0000-7000-8000-000000000000"):
        response = client.patch(
            session_url(session_id), {"device_name": "mine now"}, format="json", **bearer(tokens["access"])
        )
        assert response.status_code == 404, session_id
        assert response.json()["code"] == "not_found"
    assert DeviceSession.objects.get(pk=strangers.pk).device_name != "mine now"


def test_rename_needs_an_access_token(user):
    tokens = logged_in(user)
    assert_needs_an_access_token(
        "patch",
        session_url(tokens["session"]["id"]),
        tokens,
        data={"device_name": "x"},
        not_json=("device_name=x", "application/x-www-form-urlencoded"),
    )


# --- The session cap ------------------------------------------------------------------------


def live_sessions(user):
    return DeviceSession.objects.live(timezone.now()).filter(user=user)


def test_cap_evicts_the_least_recently_used_sessions(settings, user):
    settings.SESSION_MAX_PER_USER = 2
    settings.SESSION_LIMIT_POLICY = "evict_oldest"
    client = APIClient()
    first = logged_in(user, device_name="first")
    second = logged_in(user, device_name="second")
    first = {**first, **refresh(client, first["refresh"]).json()}  # now the first is the more recent
    third = logged_in(user, device_name="third")

    assert live_sessions(user).count() == 2
    assert_dead(client, second)
    assert_alive(client, first)
    assert_alive(client, third)
    evicted = DeviceSession.objects.get(pk=second["session"]["id"])
    assert evicted.revoke_reason == RevokeReason.SESSION_LIMIT
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.user_id, event.reason, event.count, event.detail["session_ids"]) == (
        user.pk,
        RevokeReason.SESSION_LIMIT,
        1,
        [second["session"]["id"]],
    )


def test_cap_lowered_below_the_live_sessions_evicts_down_to_it(settings, user):
    sessions = [logged_in(user, device_name=f"d{i}") for i in range(4)]
    settings.SESSION_MAX_PER_USER = 2
    newest = logged_in(user)
    assert {str(pk) for pk in live_sessions(user).values_list("pk", flat=True)} == {
        sessions[-1]["session"]["id"],
        newest["session"]["id"],
    }
    assert DeviceSession.objects.filter(revoke_reason=RevokeReason.SESSION_LIMIT).count() == 3


def test_cap_with_deny_answers_409_and_opens_nothing(settings, user):
    settings.SESSION_MAX_PER_USER = 2
    settings.SESSION_LIMIT_POLICY = "deny"
    client = APIClient()
    kept = [logged_in(user) for _ in range(2)]
    response = login_as(user)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This account has as many sessions as it may have: log out on another device first.",
        "code": "session_limit",
    }
    assert live_sessions(user).count() == 2
    for tokens in kept:
        assert_alive(client, tokens)
    # Ending one makes room again.
    assert client.post("/api/auth/logout/", **bearer(kept[0]["refresh"])).status_code == 204
    assert login_as(user).status_code == 200


def test_cap_counts_only_live_sessions(settings, user):
    settings.SESSION_MAX_PER_USER = 1
    settings.SESSION_LIMIT_POLICY = "deny"
    DeviceSessionFactory(user=user, revoked_at=timezone.now())
    DeviceSessionFactory(user=user, created_at=timezone.now() - timedelta(days=40))
    assert login_as(user).status_code == 200


def test_no_cap_by_default(user):
    for _ in range(5):
        logged_in(user)
    assert live_sessions(user).count() == 5


def test_password_change_under_a_cap_of_one_still_answers_a_session(settings, user):
    settings.SESSION_MAX_PER_USER = 1
    settings.SESSION_LIMIT_POLICY = "deny"
    tokens = logged_in(user)
    response = change_password(APIClient(), tokens["access"], "An0ther-long-passphrase")
    assert response.status_code == 200
    assert live_sessions(user).count() == 1


def test_register_is_never_denied_by_the_cap(settings):
    settings.SESSION_MAX_PER_USER = 1
    settings.SESSION_LIMIT_POLICY = "deny"
    response = APIClient().post(
        REGISTER_URL, {"email": "cap@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201


# --- The admin ------------------------------------------------------------------------------


def test_the_admin_filters_security_events_by_the_new_types_and_reasons(client, settings, user):
    admin = UserFactory(is_staff=True, is_superuser=True)
    settings.SESSION_MAX_PER_USER = 1
    logged_in(user, agent=CHROME_MAC)
    logged_in(user, agent=CHROME_MAC)  # evicts the first
    client.force_login(admin)
    url = "/admin/accounts/securityevent/"
    page = client.get(url)
    assert page.status_code == 200
    for choice in (
        "new_device_login",
        "password_reset_requested",
        "reuse_notified",
        "session_limit",
        "logout_others",
    ):
        assert choice in page.content.decode()
    # "Login from a new device" finds the flagged logins, and the rows written before (one such here).
    old_row = SecurityEvent.objects.create(type=SecurityEvent.Type.NEW_DEVICE_LOGIN, user=user)
    # A passkey login says the same of a new device, and one from a known device is not found.
    SecurityEvent.objects.create(
        type=SecurityEvent.Type.PASSKEY_LOGIN, user=user, detail={"new_device": True}
    )
    SecurityEvent.objects.create(type=SecurityEvent.Type.PASSKEY_LOGIN, user=user, detail={})
    by_type = client.get(url, {"type__exact": "new_device_login"})
    assert by_type.status_code == 200
    found = by_type.context["cl"].result_list
    assert sorted((event.type, event.detail.get("new_device", False)) for event in found) == [
        ("login", True),
        ("new_device_login", False),
        ("passkey_login", True),
    ]
    assert old_row in found
    assert "Login (new device)" in by_type.content.decode()
    logins = client.get(url, {"type__exact": "login"}).context["cl"].result_list
    assert sorted(event.detail.get("new_device", False) for event in logins) == [False, True]
    by_reason = client.get(url, {"reason__exact": "session_limit"})
    assert [event.reason for event in by_reason.context["cl"].result_list] == ["session_limit"]


# --- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("REFRESH_REUSE_REVOKES", "everything", "REFRESH_REUSE_REVOKES must be 'session' or 'user'"),
        ("SESSION_LIMIT_POLICY", "evict_newest", "SESSION_LIMIT_POLICY must be 'evict_oldest' or 'deny'"),
        ("SESSION_MAX_PER_USER", "-1", "SESSION_MAX_PER_USER must be 0"),
        ("PASSWORD_RESET_TIMEOUT_SECONDS", "0", "PASSWORD_RESET_TIMEOUT_SECONDS must be more than 0"),
        ("EMAIL_URL", "pigeon://loft", "Invalid email schema pigeon"),
        ("NUM_PROXIES", "-1", "NUM_PROXIES must be 0 or more"),
        # X-Forwarded-Proto from no trusted proxy is the client's word.
        (
            "DJANGO_SECURE_PROXY_SSL_HEADER",
            "true",
            "DJANGO_SECURE_PROXY_SSL_HEADER=true needs NUM_PROXIES > 0",
        ),
    ],
)
def test_a_wrong_setting_stops_the_start_with_a_clear_message(run_settings, variable, value, message):
    done = run_settings(**{variable: value})
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert message in done.stderr
