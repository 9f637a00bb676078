"""Device names and User-Agents, text a client chose, as data (API.md "Input that reaches people").

Every body that carries a ``device_name`` refuses a control character, a line separator or a
bidirectional override with 400 and writes nothing; names made from a User-Agent, or copied
from a session stored before the rule, are stripped of them. How the mails show such text is
tested with the mails (test_account_protection.py), the admin and the logs with theirs.
"""

import pytest
from django.core import mail
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import DeviceSession, SecurityEvent, User
from accounts.sessions.devices import device_name_clean, device_name_from_user_agent, session_rename
from accounts.sessions.opening import SessionClient, session_create
from accounts.tests.credentials.test_account_protection import CHROME_MAC, FIREFOX, PHISH, logged_in
from accounts.tests.factories import PASSWORD, DeviceSessionFactory
from accounts.tests.helpers import assert_alive, bearer, change_password
from common.client_text import find_unsafe
from common.tests.test_client_text import REFUSED, hostile_text

pytestmark = pytest.mark.django_db

REGISTER_URL = "/api/auth/register/"
LOGIN_URL = "/api/auth/login/"
NEW_PASSWORD = "an-0ther-long-Passw0rd"
ENDPOINTS = ["register", "login", "password_change", "rename"]

FEW_REQUESTS = hypothesis_settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    """These tests log in many times from one address; the throttle has tests of its own."""
    settings.AUTH_THROTTLE_RATE = "none"


def session_url(session_id):
    return f"/api/auth/sessions/{session_id}/"


def send(endpoint, user, tokens, device_name):
    """Send ``device_name`` to ``endpoint``, everything else in the body valid."""
    client = APIClient()
    if endpoint == "register":
        body = {"email": "new@example.com", "password": PASSWORD, "device_name": device_name}
        return client.post(REGISTER_URL, body, format="json")
    if endpoint == "login":
        body = {"email": user.email, "password": PASSWORD, "device_name": device_name}
        return client.post(LOGIN_URL, body, format="json", HTTP_USER_AGENT=CHROME_MAC)
    if endpoint == "password_change":
        body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "device_name": device_name}
        return client.post("/api/auth/password/change/", body, format="json", **bearer(tokens["access"]))
    return client.patch(
        session_url(tokens["session"]["id"]),
        {"device_name": device_name},
        format="json",
        **bearer(tokens["access"]),
    )


def state(user):
    """What a refused request must leave as it was: users, sessions, the password, events and mail."""
    user.refresh_from_db()
    return (
        sorted(User.objects.values_list("email", flat=True)),
        sorted(DeviceSession.objects.values_list("pk", "device_name", "revoked_at")),
        user.password,
        SecurityEvent.objects.count(),
        len(mail.outbox),
    )


# --- 400 on every endpoint, and nothing written -----------------------------------------------


@pytest.mark.parametrize("where", ["inside", "at the end"])
@pytest.mark.parametrize("char", REFUSED, ids=lambda char: f"U+{ord(char):04X}")
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_refused_character_gets_400_on_the_device_name_and_writes_nothing(user, endpoint, char, where):
    DeviceSessionFactory(user=user, user_agent=FIREFOX)  # so that a login from Chrome would mail
    tokens = logged_in(user, device_name="laptop")
    mail.outbox.clear()
    before = state(user)

    name = f"Pho{char}ne" if where == "inside" else f"Phone{char}"
    response = send(endpoint, user, tokens, name)

    assert response.status_code == 400, response.content
    errors = response.json()
    assert list(errors) == ["device_name"]
    [message] = errors["device_name"]
    assert f"U+{ord(char):04X}" in message
    assert state(user) == before
    assert_alive(APIClient(), tokens)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_101_characters_get_400_and_write_nothing(user, endpoint):
    tokens = logged_in(user, device_name="laptop")
    before = state(user)
    response = send(endpoint, user, tokens, "x" * 101)
    assert response.status_code == 400
    assert list(response.json()) == ["device_name"]
    assert state(user) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_100_characters_of_any_script_are_taken_as_they_are(user, endpoint):
    # Right-to-left script, emoji joined by ZWJ and the bidi marks are ordinary text.
    name = ("עברית 👩\u200d💻 \u200f" * 20)[:100]
    tokens = logged_in(user)
    response = send(endpoint, user, tokens, name)
    assert response.status_code in (200, 201), response.content
    session_id = tokens["session"]["id"] if endpoint == "rename" else response.json()["session"]["id"]
    assert DeviceSession.objects.get(pk=session_id).device_name == name


@pytest.mark.parametrize(
    ("endpoint", "expected"), [("register", "Unknown device"), ("login", "Chrome on macOS")]
)
def test_an_empty_name_at_register_or_login_means_none_given(user, endpoint, expected):
    response = send(endpoint, user, logged_in(user), "")
    assert response.status_code in (200, 201)
    assert response.json()["session"]["device_name"] == expected


def test_a_password_change_names_the_new_session_or_keeps_the_old_name(user):
    tokens = logged_in(user, device_name="old name")
    renamed = send("password_change", user, tokens, "  new name ")
    assert renamed.status_code == 200
    assert renamed.json()["session"]["device_name"] == "new name"

    kept = change_password(APIClient(), renamed.json()["access"], "yet-an0ther-Passw0rd", NEW_PASSWORD)
    assert kept.status_code == 200
    assert kept.json()["session"]["device_name"] == "new name"


@pytest.mark.parametrize("name", ["", "   ", None])
def test_a_rename_to_nothing_is_400(user, name):
    tokens = logged_in(user, device_name="kept")
    response = send("rename", user, tokens, name)
    assert response.status_code == 400
    assert list(response.json()) == ["device_name"]
    assert DeviceSession.objects.get(pk=tokens["session"]["id"]).device_name == "kept"


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_register_refuses_a_profile_name_of_more_than_one_line(field):
    body = {"email": "new@example.com", "password": PASSWORD, field: "Ada\nWe locked your account"}
    response = APIClient().post(REGISTER_URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not User.objects.exists()


# --- The rule as a property of the API --------------------------------------------------------


@FEW_REQUESTS
@given(name=hostile_text)
def test_a_rename_is_accepted_exactly_when_the_name_keeps_the_rule(user, name):
    tokens = logged_in(user, device_name="before")
    response = send("rename", user, tokens, name)
    stored = DeviceSession.objects.get(pk=tokens["session"]["id"]).device_name
    if find_unsafe(name) is not None or not name.strip() or len(name.strip()) > 100:
        assert response.status_code == 400
        assert list(response.json()) == ["device_name"]
        assert stored == "before"
    else:
        assert response.status_code == 200, response.content
        assert stored == response.json()["device_name"] == name.strip()


@FEW_REQUESTS
@given(name=hostile_text)
def test_a_login_opens_a_session_exactly_when_the_name_keeps_the_rule(user, name):
    before = DeviceSession.objects.count()
    body = {"email": user.email, "password": PASSWORD, "device_name": name}
    response = APIClient().post(LOGIN_URL, body, format="json")
    if find_unsafe(name) is not None or len(name.strip()) > 100:
        assert response.status_code == 400
        assert DeviceSession.objects.count() == before
    else:
        assert response.status_code == 200, response.content
        assert find_unsafe(response.json()["session"]["device_name"]) is None


@hypothesis_settings(max_examples=300, deadline=None, derandomize=True)
@given(agent=st.one_of(hostile_text, st.text(max_size=600)))
def test_a_name_made_from_any_user_agent_keeps_the_rule(agent):
    name = device_name_from_user_agent(agent)
    assert find_unsafe(name) is None
    assert 0 < len(name) <= 100
    cleaned = device_name_clean(agent)
    assert find_unsafe(cleaned) is None
    assert cleaned == "".join(char for char in agent if find_unsafe(char) is None)[:100]


def test_a_user_agent_full_of_controls_still_names_the_session_in_one_line(user):
    tokens = logged_in(user, agent="Mozilla/5.0 (X11; Linux)\x1b[2J\u202e Firefox/1.0\x85")
    session = DeviceSession.objects.get(pk=tokens["session"]["id"])
    assert session.device_name == "Firefox on Linux"
    assert session.user_agent.endswith("\x85")  # recorded as sent; shown escaped (admin, mail)


def test_a_name_stored_before_the_rule_is_stripped_when_a_password_change_copies_it(user):
    tokens = logged_in(user)
    DeviceSession.objects.filter(pk=tokens["session"]["id"]).update(device_name=f"laptop\n{PHISH}\u202e")
    response = change_password(APIClient(), tokens["access"], NEW_PASSWORD)
    assert response.status_code == 200
    assert response.json()["session"]["device_name"] == f"laptop{PHISH}"


def test_the_services_strip_a_name_from_a_caller_other_than_the_api(user):
    client = SessionClient(user_agent=FIREFOX, ip_address=None)
    issued = session_create(user=user, device_name="a\r\nb\u2066" + "c" * 200, client=client)
    assert DeviceSession.objects.get(pk=issued.session.pk).device_name == "ab" + "c" * 98
    renamed = session_rename(session_id=issued.session.pk, user_id=user.pk, device_name="x\u2028y")
    assert renamed.device_name == "xy"
