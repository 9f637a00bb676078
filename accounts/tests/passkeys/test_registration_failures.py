"""Every way an attestation can be wrong is a 400 that stores nothing, and the challenge is used up."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Passkey, SecurityEvent, WebAuthnChallenge
from accounts.tests.passkeys.conftest import LOGIN_OPTIONS_URL, REGISTER_OPTIONS_URL, REGISTER_URL
from testing.authenticator import FLAG, SoftAuthenticator

pytestmark = pytest.mark.django_db


def register(client, credential, **body):
    return client.post(REGISTER_URL, {"credential": credential, **body}, format="json")


def assert_refused(response, code):
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not Passkey.objects.exists()
    assert not SecurityEvent.objects.filter(type="passkey_added").exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"origin": "http://evil.example"}, "passkey_invalid"),
        ({"origin": "http://localhost:8001"}, "passkey_invalid"),
        ({"rp_id": "example.com"}, "passkey_invalid"),
        ({"flags": FLAG.UP}, "passkey_invalid"),  # user present, not verified
        ({"type": "webauthn.get"}, "passkey_invalid"),
        ({"challenge": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}, "challenge_invalid"),
    ],
)
def test_a_wrong_attestation_is_refused_and_its_challenge_used_up(
    auth_client, authenticator, register_options, change, code
):
    options = register_options()
    assert_refused(register(auth_client, authenticator.create(options, **change)), code)
    retry = register(auth_client, SoftAuthenticator().create(options))
    if "challenge" in change:
        # A made-up challenge was never issued: the real one is still there to use.
        assert retry.status_code == 201
    else:
        # The challenge went with the failure: a second try needs new options.
        assert not WebAuthnChallenge.objects.filter(ceremony="registration").exists()
        assert retry.status_code == 400
        assert retry.json()["code"] == "challenge_invalid"


def test_a_challenge_registers_once(auth_client, authenticator, register_options):
    options = register_options()
    assert register(auth_client, authenticator.create(options)).status_code == 201
    replay = register(auth_client, SoftAuthenticator().create(options))
    assert replay.status_code == 400 and replay.json()["code"] == "challenge_invalid"
    assert Passkey.objects.count() == 1


def test_an_expired_challenge_is_refused(auth_client, authenticator, register_options, settings):
    settings.WEBAUTHN_CHALLENGE_SECONDS = 60
    options = register_options()
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        response = register(auth_client, authenticator.create(options))
    assert_refused(response, "challenge_invalid")


def test_the_challenge_of_another_user_is_refused(auth_client, authenticator, register_options, login):
    from accounts.tests.factories import UserFactory

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {login(UserFactory())['access']}")
    theirs = register_options(other)
    assert_refused(register(auth_client, authenticator.create(theirs)), "challenge_invalid")
    # Theirs is still theirs to use.
    assert register(other, SoftAuthenticator().create(theirs)).status_code == 201


def test_a_login_challenge_cannot_register(auth_client, authenticator, register_options):
    options = register_options()
    login_challenge = APIClient().post(LOGIN_OPTIONS_URL).json()["publicKey"]["challenge"]
    response = register(auth_client, authenticator.create(options, challenge=login_challenge))
    assert_refused(response, "challenge_invalid")


def test_a_credential_registers_once(auth_client, authenticator, register_options, add_passkey):
    add_passkey()
    again = SoftAuthenticator().create(
        register_options(), credential_id=authenticator.credentials[0].credential_id
    )
    response = register(auth_client, again)
    assert response.status_code == 400 and response.json()["code"] == "credential_exists"
    assert Passkey.objects.count() == 1


def test_a_credential_of_another_user_cannot_be_registered_again(
    auth_client, authenticator, add_passkey, login, register_options
):
    from accounts.tests.factories import UserFactory

    add_passkey()
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {login(UserFactory())['access']}")
    copy = SoftAuthenticator().create(
        register_options(other), credential_id=authenticator.credentials[0].credential_id
    )
    assert register(other, copy).json()["code"] == "credential_exists"


@pytest.mark.parametrize(
    "credential",
    [
        "a string",
        [],
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {}},
        {
            "id": "x",
            "rawId": "x",
            "type": "public-key",
            "response": {"clientDataJSON": "!!!", "attestationObject": "AA"},
        },
        {
            "id": "x",
            "rawId": "x",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "attestationObject": "AA"},
        },
        {"id": 1, "rawId": None, "type": "public-key", "response": {"clientDataJSON": 5}},
    ],
)
def test_malformed_credentials_are_400(auth_client, register_options, credential):
    register_options()
    response = register(auth_client, credential)
    assert response.status_code == 400, response.content
    assert not Passkey.objects.exists()


def test_garbage_attestation_object_is_400(auth_client, authenticator, register_options):
    credential = authenticator.create(register_options())
    credential["response"]["attestationObject"] = "oWNmbXRkbm9uZQ"  # CBOR {"fmt": "none"} only
    assert register(auth_client, credential).status_code == 400
    credential = authenticator.create(register_options())
    credential["rawId"] = "AAAA"
    assert register(auth_client, credential).status_code == 400


def test_names_are_one_line(auth_client, authenticator, register_options):
    response = register(auth_client, authenticator.create(register_options()), name="a\u202eb")
    assert response.status_code == 400 and "name" in response.json()
    response = register(auth_client, authenticator.create(register_options()), name="x" * 101)
    assert response.status_code == 400


def test_bodies_other_than_json_are_415(auth_client):
    response = auth_client.post(
        REGISTER_URL, "credential=x", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    response = auth_client.post(REGISTER_OPTIONS_URL, "x", content_type="text/plain")
    assert response.status_code == 415


def test_anonymous_callers_get_401():
    client = APIClient()
    assert client.post(REGISTER_OPTIONS_URL).status_code == 401
    assert client.post(REGISTER_URL, {}, format="json").status_code == 401
    assert client.get("/api/auth/passkeys/").status_code == 401
