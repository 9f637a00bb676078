"""Password reset (API.md): the request, the mail and its link, the confirmation, throttling."""

import re
import urllib.parse
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, RevokeReason, SecurityEvent
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import assert_alive, assert_dead, change_password

pytestmark = pytest.mark.django_db

RESET_URL = "/api/auth/password/reset/"
CONFIRM_URL = "/api/auth/password/reset/confirm/"
NEW_PASSWORD = "A-brand-new-passphrase-7"
ACCEPTED = {
    "detail": "If an active account uses this address, a link to reset its password is on its way.",
    "console_mail": False,
}
# The web client's reset page at the origin of the test client's requests.
CLIENT_PAGE = "http://testserver/#/reset-password"
INVALID_LINK = {"token": ["The reset link is invalid, used or expired."]}


def ask_reset(email, *, client=None, ip="192.0.2.10"):
    return (client or APIClient()).post(RESET_URL, {"email": email}, format="json", REMOTE_ADDR=ip)


def confirm(uid, token, new_password=NEW_PASSWORD, *, ip="192.0.2.10"):
    return APIClient().post(
        CONFIRM_URL, {"uid": uid, "token": token, "new_password": new_password}, format="json", REMOTE_ADDR=ip
    )


def link_of(message, page=CLIENT_PAGE):
    """Return the reset link of a mail to ``page``, checking that both bodies carry the same one."""
    pattern = re.escape(page) + r"[?#&][^\s\"<]+"
    [link] = set(re.findall(pattern, message.body))
    html = message.alternatives[0][0].replace("&amp;", "&")
    assert set(re.findall(pattern, html)) == {link}
    return link


def secrets_of(link):
    """Return the uid and token of a link to the web client's page: in the fragment's query."""
    fragment = urllib.parse.urlsplit(link).fragment
    query = urllib.parse.parse_qs(fragment.partition("?")[2])
    return query["uid"][0], query["token"][0]


def reset_link_for(user):
    mail.outbox.clear()
    assert ask_reset(user.email).status_code == 202
    [message] = mail.outbox
    return secrets_of(link_of(message))


def log_in(user, password=PASSWORD):
    return APIClient().post("/api/auth/login/", {"email": user.email, "password": password}, format="json")


# --- The request ----------------------------------------------------------------------------


def test_request_answers_202_with_one_body_whatever_the_address(user):
    inactive = UserFactory(is_active=False)
    no_password = UserFactory()
    no_password.set_unusable_password()
    no_password.save()
    mail.outbox.clear()
    answers = [
        ask_reset(email)
        for email in (user.email, user.email.upper(), "nobody@example.com", inactive.email, no_password.email)
    ]
    assert {response.status_code for response in answers} == {202}
    assert all(response.json() == ACCEPTED for response in answers)
    assert len({response.content for response in answers}) == 1
    assert len({tuple(sorted(response.headers.items())) for response in answers}) == 1
    # Mail went to the active account only, once for each of its two spellings.
    assert [message.to for message in mail.outbox] == [[user.email], [user.email]]


def test_request_does_the_same_queries_for_a_known_and_an_unknown_address(user):
    def queries(email):
        with CaptureQueriesContext(connection) as captured:
            assert ask_reset(email).status_code == 202
        # The statements, values aside: the same work on both paths.
        return [
            re.sub(r"'[^']*'|\b\d+\b|\bNULL\b|\"s\d+_x\d+\"", "?", query["sql"])
            for query in captured.captured_queries
        ]

    ask_reset("warm-up@example.com")
    assert queries(user.email) == queries("nobody@example.com")


def test_request_records_an_event_for_known_and_unknown_addresses(user):
    ask_reset(user.email, ip="192.0.2.44")
    ask_reset("Nobody@Example.com")
    known, unknown = SecurityEvent.objects.filter(type=SecurityEvent.Type.PASSWORD_RESET_REQUESTED).order_by(
        "pk"
    )
    assert (known.user_id, known.ip_address, known.reason, known.detail) == (
        user.pk,
        "192.0.2.44",
        RevokeReason.PASSWORD_RESET,
        {"mailed": True},
    )
    assert (unknown.user_id, unknown.detail) == (None, {"mailed": False, "email": "nobody@example.com"})


@pytest.mark.parametrize(
    "body", [{}, {"email": ""}, {"email": "not-an-address"}, {"email": ["a@b.c"]}, {"email": "a@b.c" * 60}]
)
def test_request_refuses_a_malformed_address_with_400(body):
    response = APIClient().post(RESET_URL, body, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_request_and_confirm_refuse_a_body_that_is_not_json_with_415(user):
    for url in (RESET_URL, CONFIRM_URL):
        response = APIClient().post(
            url, f"email={user.email}", content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"
    assert mail.outbox == []


def test_the_mail_holds_the_link_and_who_asked_but_no_session_token(user, login):
    tokens = login(user)
    mail.outbox.clear()
    with time_machine.travel(timezone.now().replace(microsecond=0), tick=False):
        asked_at = timezone.now()
        APIClient().post(
            RESET_URL,
            {"email": user.email},
            format="json",
            REMOTE_ADDR="192.0.2.77",
            HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        )
    [message] = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Reset your password"
    uid, token = secrets_of(link_of(message))
    for part in (message.body, message.alternatives[0][0]):
        assert "192.0.2.77" in part
        assert "Firefox on Linux" in part
        assert asked_at.strftime("%Y-%m-%d %H:%M:%S") in part
        assert "within 1 hour" in part
        assert tokens["access"] not in part and tokens["refresh"] not in part
        assert "eyJ" not in part
    assert token in message.body  # the one token a mail may hold
    assert uid and token


@pytest.mark.parametrize(
    ("page", "link"),
    [
        # No fragment: the secrets are the fragment.
        (
            "https://app.example.com/account/reset",
            "https://app.example.com/account/reset#uid={uid}&token={token}",
        ),
        (
            "https://app.example.com/account/reset?lang=en",
            "https://app.example.com/account/reset?lang=en#uid={uid}&token={token}",
        ),
        # A hash-routed client's page: the secrets are the query of its fragment.
        (
            "https://app.example.com/#/reset-password",
            "https://app.example.com/#/reset-password?uid={uid}&token={token}",
        ),
        (
            "https://app.example.com/#/reset?lang=en",
            "https://app.example.com/#/reset?lang=en&uid={uid}&token={token}",
        ),
        ("https://app.example.com/#/reset?", "https://app.example.com/#/reset?uid={uid}&token={token}"),
        ("https://app.example.com/reset#", "https://app.example.com/reset#uid={uid}&token={token}"),
    ],
)
def test_the_link_is_password_reset_url_with_the_secrets_after_its_hash(settings, user, page, link):
    settings.PASSWORD_RESET_URL = page
    ask_reset(user.email)
    [message] = mail.outbox
    [sent] = re.findall(r"https://app\.example\.com/\S+", message.body)
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)$", sent).groups()
    assert sent == link.format(uid=uid, token=token)
    assert confirm(uid, token).status_code == 204
    # Nothing a browser sends to a server (path and query) holds either secret.
    before_the_hash = sent.partition("#")[0]
    assert "uid=" not in before_the_hash and token not in before_the_hash


def test_unset_the_link_is_the_web_clients_page_at_the_origin_asked(settings, user):
    settings.PASSWORD_RESET_URL = ""
    settings.ALLOWED_HOSTS = ["testserver", "app.example.com"]
    for extra, origin in (
        ({}, "http://testserver"),
        ({"HTTP_HOST": "app.example.com:8001"}, "http://app.example.com:8001"),
        ({"HTTP_HOST": "app.example.com", "secure": True}, "https://app.example.com"),
    ):
        mail.outbox.clear()
        response = APIClient().post(RESET_URL, {"email": user.email}, format="json", **extra)
        assert response.status_code == 202
        uid, token = secrets_of(link_of(mail.outbox[0], page=f"{origin}/#/reset-password"))
        assert re.fullmatch(r"[\w-]+", uid) and re.fullmatch(r"[\w-]+", token)


def test_a_host_outside_allowed_hosts_gets_400_and_no_mail(settings, user):
    settings.PASSWORD_RESET_URL = ""
    response = APIClient().post(RESET_URL, {"email": user.email}, format="json", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("debug", "backend", "console_mail"),
    [
        (True, "django.core.mail.backends.console.EmailBackend", True),
        (False, "django.core.mail.backends.console.EmailBackend", False),
        (True, "django.core.mail.backends.locmem.EmailBackend", False),
        (True, "django.core.mail.backends.smtp.EmailBackend", False),
    ],
)
def test_the_answer_says_console_mail_on_a_development_server_only(
    settings, user, debug, backend, console_mail
):
    settings.DEBUG = debug
    settings.EMAIL_BACKEND = backend
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard: nothing listens; a failing send is logged, never answered
    settings.EMAIL_TIMEOUT = 1
    answers = [ask_reset(email).json() for email in (user.email, "nobody@example.com")]
    assert answers == [{**ACCEPTED, "console_mail": console_mail}] * 2


# --- The confirmation -----------------------------------------------------------------------


def test_confirm_sets_the_password_and_revokes_every_session(user, login):
    client = APIClient()
    sessions = [login(user, device_name=f"device {i}") for i in range(2)]
    bystander = login(UserFactory())
    uid, token = reset_link_for(user)

    response = confirm(uid, token, ip="192.0.2.99")
    assert response.status_code == 204
    assert response.content == b""
    for tokens in sessions:
        assert_dead(client, tokens)
    assert_alive(client, bystander)
    assert log_in(user).status_code == 401
    assert log_in(user, NEW_PASSWORD).status_code == 200
    assert set(
        DeviceSession.objects.filter(user=user, revoked_at__isnull=False).values_list(
            "revoke_reason", flat=True
        )
    ) == {RevokeReason.PASSWORD_RESET}
    revocation = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (revocation.user_id, revocation.reason, revocation.count, revocation.source) == (
        user.pk,
        RevokeReason.PASSWORD_RESET,
        2,
        "api",
    )
    completed = SecurityEvent.objects.get(type=SecurityEvent.Type.PASSWORD_RESET_COMPLETED)
    assert (completed.user_id, completed.ip_address, completed.reason) == (
        user.pk,
        "192.0.2.99",
        RevokeReason.PASSWORD_RESET,
    )


def test_a_link_works_once(user):
    uid, token = reset_link_for(user)
    assert confirm(uid, token).status_code == 204
    again = confirm(uid, token, "Yet-another-passphrase-8")
    assert again.status_code == 400
    assert again.json() == INVALID_LINK
    assert log_in(user, NEW_PASSWORD).status_code == 200


def test_a_link_expires_after_password_reset_timeout_seconds(settings, user):
    settings.PASSWORD_RESET_TIMEOUT = 600
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        uid, token = reset_link_for(user)
        traveller.shift(timedelta(seconds=601))
        assert confirm(uid, token).json() == INVALID_LINK
        traveller.shift(timedelta(seconds=-2))
        assert confirm(uid, token).status_code == 204


def test_the_mail_says_how_long_the_link_lives(settings, user):
    settings.PASSWORD_RESET_TIMEOUT = 5400
    ask_reset(user.email)
    assert "within 90 minutes" in mail.outbox[0].body


def test_a_link_dies_with_any_other_password_change(user, login):
    uid, token = reset_link_for(user)
    tokens = login(user)
    changed = change_password(APIClient(), tokens["access"], "Changed-by-the-user-9")
    assert changed.status_code == 200
    assert confirm(uid, token).json() == INVALID_LINK


def test_the_newest_of_two_links_works_and_so_does_the_first_until_one_is_used(user):
    first = reset_link_for(user)
    second = reset_link_for(user)
    assert confirm(*second).status_code == 204
    assert confirm(*first).json() == INVALID_LINK


def test_a_weak_password_is_refused_and_the_link_stays_usable(user):
    uid, token = reset_link_for(user)
    for weak in ("short", "12345678901", "password123", user.email):
        response = confirm(uid, token, weak)
        assert response.status_code == 400
        assert set(response.json()) == {"new_password"}
    assert confirm(uid, token).status_code == 204


@pytest.mark.parametrize(
    ("uid", "token"),
    [
        ("", "x"),
        ("MQ", ""),
        ("!!!", "abc-def"),
        ("OTk5OTk5OTk5", "abc-def"),  # a user id nobody has
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "abc-def"),  # past any integer column
        ("LTE", "abc-def"),  # -1
        ("w6k", "abc-def"),  # not ASCII once decoded
        ("MQ", "abc\x00def"),
        ("MQ", "x" * 129),
    ],
)
def test_confirm_refuses_a_made_up_link_with_400(uid, token):
    UserFactory()
    response = confirm(uid, token)
    assert response.status_code == 400


def test_confirm_answers_the_same_for_a_wrong_token_and_an_unknown_user(user):
    uid, token = reset_link_for(user)
    wrong_token = confirm(uid, token[:-1] + ("a" if token[-1] != "a" else "b"))
    unknown_user = confirm("OTk5OTk5OTk5", token)
    assert wrong_token.status_code == unknown_user.status_code == 400
    assert wrong_token.json() == unknown_user.json() == INVALID_LINK


def test_a_user_deactivated_after_the_request_cannot_reset(user):
    uid, token = reset_link_for(user)
    user.is_active = False
    user.save()
    assert confirm(uid, token).json() == INVALID_LINK


# --- Throttling -----------------------------------------------------------------------------


def test_request_is_throttled_per_address_from_any_ip(settings, user):
    settings.AUTH_THROTTLE_RATE = "3/min"
    for i in range(3):
        assert ask_reset(user.email, ip=f"192.0.2.{i + 1}").status_code == 202
    response = ask_reset(user.email.upper(), ip="192.0.2.200")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert len(mail.outbox) == 3
    assert ask_reset("someone-else@example.com", ip="192.0.2.200").status_code == 202


def test_request_is_throttled_per_ip_whatever_the_address(settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    for i in range(3):
        assert ask_reset(f"person{i}@example.com").status_code == 202
    assert ask_reset("person9@example.com").status_code == 429
    assert ask_reset("person9@example.com", ip="192.0.2.201").status_code == 202


def test_reset_requests_do_not_eat_into_the_login_bucket(settings, user):
    settings.AUTH_THROTTLE_RATE = "2/min"
    for _ in range(2):
        ask_reset("someone@example.com", ip="127.0.0.1")
    assert log_in(user).status_code == 200


def test_confirm_is_throttled_per_ip(settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    for _ in range(3):
        assert confirm("MQ", "abc-def").status_code == 400
    response = confirm("MQ", "abc-def")
    assert response.status_code == 429
    assert "Retry-After" in response
    assert confirm("MQ", "abc-def", ip="192.0.2.202").status_code == 400


def test_a_failing_mail_server_changes_nothing_in_the_answer(settings, user, caplog):
    settings.EMAIL_BACKEND = "accounts.tests.credentials.test_account_protection.FailingBackend"
    response = ask_reset(user.email)
    assert response.status_code == 202
    assert response.json() == ACCEPTED
    assert f"Could not send the password_reset mail to user {user.pk}" in caplog.text
    assert "token=" not in caplog.text and "reset-password" not in caplog.text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"[" * 100_000, 400),
        (b"\xff\xfe{", 400),
        (b"null", 400),
        (b"[]", 400),
        (b'{"email": 5}', 400),
        (b'{"email": "a@example.com\\u0000"}', 400),
        (b'{"email": "\\ud800@example.com"}', 400),
    ],
)
def test_odd_bodies_get_a_4xx_with_the_per_address_throttle_on(settings, body, status):
    """The per-address throttle reads the body before the view does: it must fail as the view would."""
    settings.AUTH_THROTTLE_RATE = "10/min"
    response = APIClient().generic("POST", RESET_URL, body, content_type="application/json")
    assert response.status_code == status, response.content
    assert mail.outbox == []


def test_a_body_past_the_upload_limit_is_413_with_the_throttle_on(settings):
    settings.AUTH_THROTTLE_RATE = "10/min"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = APIClient().post(RESET_URL, {"email": "a" * 2000 + "@example.com"}, format="json")
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


def test_a_broken_reset_template_answers_202_for_every_address(settings, user, tmp_path, caplog):
    override = tmp_path / "accounts" / "email"
    override.mkdir(parents=True)
    (override / "password_reset.html").write_text("{% if %}broken")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    for address in (user.email, "nobody@example.com"):
        response = ask_reset(address)
        assert (response.status_code, response.json()) == (202, ACCEPTED)
    assert mail.outbox == []
    assert f"Could not render the password_reset mail to user {user.pk}" in caplog.text
