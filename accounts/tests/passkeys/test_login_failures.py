"""Every way a passkey login can fail is the same 401, recorded and counted like a failed password login."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Passkey, SecurityEvent, User
from accounts.tests.passkeys.conftest import LOGIN_OPTIONS_URL, LOGIN_URL
from testing.authenticator import FLAG, SoftAuthenticator

pytestmark = pytest.mark.django_db

FAILED = {"detail": "Passkey login failed.", "code": "authentication_failed"}


def assert_failed(response, sessions=0):
    """Assert the one 401 of every failure, and that only ``sessions`` passkey logins ever opened one."""
    assert response.status_code == 401, response.content
    assert response.json() == FAILED
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert DeviceSession.objects.filter(amr="hwk user").count() == sessions


@pytest.fixture
def registered(add_passkey):
    return add_passkey()


@pytest.mark.parametrize(
    "change",
    [
        {"origin": "http://evil.example"},
        {"origin": "https://localhost:8000"},
        {"rp_id": "example.com"},
        {"flags": FLAG.UP},  # not user-verified
        {"flags": FLAG.UV},  # not user-present
        {"type": "webauthn.create"},
        {"user_handle": None},
        {"user_handle": b"someone else"},
    ],
)
def test_a_wrong_assertion_fails_the_same_way(registered, passkey_login, user, change):
    assert_failed(passkey_login(**change))
    event = SecurityEvent.objects.get(type="login_failed")
    assert event.user_id == user.pk and event.detail == {"method": "passkey"}


def test_a_bad_signature_fails(registered, authenticator, login_options):
    credential = authenticator.get(login_options())
    other = authenticator.get(login_options())  # a valid signature, of other data
    credential["response"]["signature"] = other["response"]["signature"]
    assert_failed(APIClient().post(LOGIN_URL, {"credential": credential}, format="json"))


def test_a_challenge_logs_in_once(registered, authenticator, login_options):
    options = login_options()
    first = APIClient().post(LOGIN_URL, {"credential": authenticator.get(options)}, format="json")
    assert first.status_code == 200
    assert_failed(
        APIClient().post(LOGIN_URL, {"credential": authenticator.get(options)}, format="json"), sessions=1
    )


def test_a_failed_attempt_uses_the_challenge_up(registered, authenticator, login_options):
    options = login_options()
    assert_failed(
        APIClient().post(LOGIN_URL, {"credential": authenticator.get(options, flags=FLAG.UP)}, format="json")
    )
    assert_failed(APIClient().post(LOGIN_URL, {"credential": authenticator.get(options)}, format="json"))


def test_an_expired_challenge_fails(registered, authenticator, login_options, settings):
    options = login_options()
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.WEBAUTHN_CHALLENGE_SECONDS + 1)):
        assert_failed(APIClient().post(LOGIN_URL, {"credential": authenticator.get(options)}, format="json"))


def test_an_unissued_challenge_fails(registered, passkey_login):
    assert_failed(passkey_login(challenge="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))


def test_a_registration_challenge_cannot_log_in(registered, authenticator, register_options):
    options = register_options()
    credential = authenticator.get({"challenge": options["challenge"], "rpId": "localhost"})
    assert_failed(APIClient().post(LOGIN_URL, {"credential": credential}, format="json"))


def test_a_counter_that_goes_backwards_or_stays_fails(registered, passkey_login):
    assert passkey_login(sign_count=5).status_code == 200
    assert Passkey.objects.get().sign_count == 5
    assert_failed(passkey_login(sign_count=5), sessions=1)
    assert_failed(passkey_login(sign_count=3), sessions=1)
    assert_failed(passkey_login(sign_count=0), sessions=1)
    assert passkey_login(sign_count=6).status_code == 200


def test_an_authenticator_without_a_counter_logs_in_every_time(auth_client, register_options, passkey_login):
    authenticator = SoftAuthenticator(counting=False)
    credential = authenticator.create(register_options())
    assert (
        auth_client.post(
            "/api/auth/passkeys/register/", {"credential": credential}, format="json"
        ).status_code
        == 201
    )
    for _ in range(2):
        assert passkey_login(authenticator=authenticator).status_code == 200
    assert Passkey.objects.get().sign_count == 0


def test_an_unknown_credential_fails(registered, passkey_login):
    stranger = SoftAuthenticator()
    stranger.create({"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AAAA"})
    assert_failed(passkey_login(authenticator=stranger))
    assert SecurityEvent.objects.get(type="login_failed").user_id is None


def test_the_user_handle_must_be_the_owners(
    registered, passkey_login, authenticator, login, register_options
):
    """A credential of user A that names user B's handle (B has passkeys too) logs nobody in."""
    from accounts.tests.factories import UserFactory

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {login(UserFactory())['access']}")
    their_handle = register_options(other)["user"]["id"]
    from fido2.utils import websafe_decode

    assert_failed(passkey_login(user_handle=websafe_decode(their_handle)))


def test_an_inactive_user_cannot_log_in(registered, passkey_login, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_failed(passkey_login())


def test_a_deactivated_user_cannot_log_in(registered, passkey_login, user):
    user.is_active = False
    user.save()
    assert_failed(passkey_login())


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"credential": "x"},
        {"credential": []},
        {"credential": None},
    ],
)
def test_a_body_without_a_credential_object_is_400(body):
    assert APIClient().post(LOGIN_URL, body, format="json").status_code == 400


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {
            "id": "x",
            "rawId": "!!",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
        },
        {
            "id": "x",
            "rawId": "x",
            "type": "public-key",
            "response": {
                "clientDataJSON": "e30",
                "authenticatorData": "AA",
                "signature": "AA",
                "userHandle": "%%",
            },
        },
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {
                "clientDataJSON": "eyJjaGFsbGVuZ2UiOjF9",
                "authenticatorData": "AA",
                "signature": "AA",
            },
        },
    ],
)
def test_a_malformed_credential_is_the_same_401(credential):
    assert_failed(APIClient().post(LOGIN_URL, {"credential": credential}, format="json"))


def test_malformed_assertion_parts_are_401(registered, authenticator, login_options):
    credential = authenticator.get(login_options())
    credential["response"]["authenticatorData"] = "AAAA"
    assert_failed(APIClient().post(LOGIN_URL, {"credential": credential}, format="json"))


def test_a_bad_device_name_is_400(registered, passkey_login):
    response = passkey_login(device_name="evil\u202ename")
    assert response.status_code == 400 and "device_name" in response.json()


def test_bodies_other_than_json_are_415():
    assert (
        APIClient()
        .post(LOGIN_URL, "credential=x", content_type="application/x-www-form-urlencoded")
        .status_code
        == 415
    )
    assert APIClient().post(LOGIN_OPTIONS_URL, "x", content_type="text/plain").status_code == 415


def test_login_options_follow_the_contract(settings):
    response = APIClient().post(LOGIN_OPTIONS_URL)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    options = response.json()["publicKey"]
    assert options["rpId"] == "localhost"
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
