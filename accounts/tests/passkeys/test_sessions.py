"""A passkey login opens its session as a password login does: DPoP, cap, mail, throttle, query budget."""

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, SecurityEvent
from accounts.tests.dpop_helpers import ClientKey
from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import claims
from accounts.tests.passkeys.conftest import LOGIN_OPTIONS_URL, LOGIN_URL, REAUTH_URL
from accounts.tests.sessions.test_query_budget import work_of
from accounts.tests.test_metrics_counters import Counters

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered(add_passkey):
    return add_passkey()


def test_a_dpop_proof_with_the_assertion_binds_the_session(registered, authenticator, login_options):
    key = ClientKey()
    client = APIClient()
    credential = authenticator.get(login_options())
    response = client.post(
        LOGIN_URL, {"credential": credential}, format="json", HTTP_DPOP=key.proof("POST", LOGIN_URL)
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "DPoP"
    assert claims(body["access"])["cnf"] == {"jkt": key.jkt}
    assert DeviceSession.objects.get(pk=body["session"]["id"]).dpop_jkt == key.jkt
    # Bearer is refused for a bound token; DPoP with a proof of the key works.
    assert client.get("/api/users/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}").status_code == 401
    me = client.get("/api/users/me/", **key.headers("GET", "/api/users/me/", body["access"]))
    assert me.status_code == 200
    # A re-authentication keeps the binding.
    reauth = client.post(
        REAUTH_URL,
        {"password": PASSWORD},
        format="json",
        **key.headers("POST", REAUTH_URL, body["access"]),
    )
    assert reauth.status_code == 200 and reauth.json()["token_type"] == "DPoP"
    assert claims(reauth.json()["access"])["cnf"] == {"jkt": key.jkt}


def test_a_bad_dpop_proof_is_401_and_uses_no_session(registered, authenticator, login_options):
    credential = authenticator.get(login_options())
    response = APIClient().post(LOGIN_URL, {"credential": credential}, format="json", HTTP_DPOP="not a proof")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("DPoP")
    assert not DeviceSession.objects.filter(amr="hwk user").exists()


def test_dpop_required_refuses_a_passkey_login_without_a_proof(registered, passkey_login, settings):
    settings.DPOP_REQUIRED = True
    assert passkey_login().status_code == 401


def test_a_new_device_gets_mail_and_the_device_name_comes_from_the_user_agent(registered, passkey_login):
    mail.outbox.clear()
    response = passkey_login(
        client=APIClient(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0")
    )
    assert response.status_code == 200
    assert response.json()["session"]["device_name"]
    assert len(mail.outbox) == 1
    # One event for the login, which says the device is new (as a password login's does).
    events = SecurityEvent.objects.filter(session_id=response.json()["session"]["id"])
    assert [(event.type, event.detail.get("new_device")) for event in events] == [("passkey_login", True)]


def test_the_session_cap_evicts_or_denies(registered, passkey_login, settings, user):
    settings.SESSION_MAX_PER_USER = 1
    assert passkey_login().status_code == 200
    assert DeviceSession.objects.live(timezone.now()).filter(user=user).count() == 1
    settings.SESSION_LIMIT_POLICY = "deny"
    denied = passkey_login()
    assert denied.status_code == 409 and denied.json()["code"] == "session_limit"


def test_passkey_and_password_logins_share_the_throttle(registered, authenticator, settings, user):
    settings.AUTH_THROTTLE_RATE = "2/min"
    cache.clear()  # the password login that registered the passkey counted too
    client = APIClient()
    options = client.post(LOGIN_OPTIONS_URL).json()["publicKey"]
    assert (
        client.post("/api/auth/login/", {"email": user.email, "password": "wrong"}, format="json").status_code
        == 401
    )
    assert (
        client.post(LOGIN_URL, {"credential": authenticator.get(options)}, format="json").status_code == 200
    )
    throttled = client.post(LOGIN_URL, {"credential": {}}, format="json")
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert (
        client.post(
            "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json"
        ).status_code
        == 429
    )


def test_login_options_are_throttled_per_ip(settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    client = APIClient()
    assert [client.post(LOGIN_OPTIONS_URL).status_code for _ in range(3)] == [200, 200, 429]


def test_failed_passkey_logins_are_counted_as_failed_logins(registered, passkey_login, user):
    passkey_login(flags=0x01)
    passkey_login(origin="http://evil.example")
    assert SecurityEvent.objects.filter(type="login_failed", user=user).count() == 2


def test_passkey_login_outcomes_are_counted_with_the_password_logins(registered, passkey_login, settings):
    counters = Counters()
    assert passkey_login().status_code == 200
    assert passkey_login(flags=0x01).status_code == 401  # user not verified
    assert counters.moved("auth_login_total") == {"ok": 1, "failed": 1}

    settings.DPOP_REQUIRED = True
    counters = Counters()
    assert passkey_login().status_code == 401  # no proof where one is required
    assert counters.moved("auth_login_total") == {"rejected": 1}

    settings.DPOP_REQUIRED = False
    settings.AUTH_THROTTLE_RATE = "1/min"
    cache.clear()
    counters = Counters()
    assert passkey_login().status_code == 200
    assert APIClient().post(LOGIN_URL, {"credential": {}}, format="json").status_code == 429
    assert counters.moved("auth_login_total") == {"ok": 1, "throttled": 1}


def test_passkey_login_query_budget(
    registered, authenticator, login_options, settings, django_assert_max_num_queries
):
    settings.AUTH_THROTTLE_RATE = "none"
    credential = authenticator.get(login_options())
    with django_assert_max_num_queries(10) as captured:  # the work below and the savepoint around it
        response = APIClient().post(LOGIN_URL, {"credential": credential}, format="json")
    assert response.status_code == 200
    # the challenge used up, the passkey with its user, the user handle, the counter, the user's
    # row lock (recording the login), "is this a new device?", the session, its event
    assert work_of(captured) == [
        "DELETE",
        "SELECT",
        "SELECT",
        "UPDATE",
        "UPDATE",
        "SELECT",
        "INSERT",
        "INSERT",
    ]


def test_options_query_budget(settings, django_assert_max_num_queries, auth_client):
    settings.AUTH_THROTTLE_RATE = "none"
    with django_assert_max_num_queries(2):
        assert APIClient().post(LOGIN_OPTIONS_URL).status_code == 200  # prune + insert
