"""Registration and login with a passkey, through the API with a software authenticator."""

import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Passkey, SecurityEvent
from accounts.tests.helpers import bearer, claims, refresh
from accounts.tests.passkeys.conftest import LOGIN_URL, PASSKEYS_URL, REGISTER_URL

pytestmark = pytest.mark.django_db


def test_registration_options_follow_the_contract(register_options, settings, user, auth_client):
    options = register_options()
    assert options["rp"] == {"id": "localhost", "name": settings.WEBAUTHN_RP_NAME}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["excludeCredentials"] == []
    assert options["user"]["name"] == user.email
    again = register_options()
    assert again["user"]["id"] == options["user"]["id"]  # stable per user
    assert again["challenge"] != options["challenge"]
    from webauthn.helpers import base64url_to_bytes

    assert len(base64url_to_bytes(options["challenge"])) >= 16


def test_register_list_login_and_refresh_keep_the_passkey_claims(
    add_passkey, passkey_login, user, auth_client
):
    added = add_passkey(name="My laptop")
    assert set(added) == {"id", "name", "created_at", "last_used_at"}
    assert added["name"] == "My laptop" and added["last_used_at"] is None
    passkey = Passkey.objects.get(pk=added["id"])
    assert passkey.user == user and passkey.sign_count == 0 and passkey.transports == ["internal", "hybrid"]
    assert passkey.backup_eligible and not passkey.backed_up and passkey.aaguid
    assert SecurityEvent.objects.filter(type="passkey_added", user=user).count() == 1

    listed = auth_client.get(PASSKEYS_URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == added["id"]

    response = passkey_login(device_name="Phone")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer" and body["user"]["email"] == user.email
    assert body["session"]["device_name"] == "Phone"
    assert response["Cache-Control"] == "no-store"
    access = claims(body["access"])
    assert access["amr"] == ["hwk", "user"] and isinstance(access["auth_time"], int)
    assert claims(body["refresh"])["amr"] == ["hwk", "user"]
    passkey.refresh_from_db()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    session = DeviceSession.objects.get(pk=body["session"]["id"])
    assert session.amr == "hwk user"
    assert SecurityEvent.objects.filter(type="passkey_login", session_id=session.pk).exists()

    rotated = refresh(APIClient(), body["refresh"])
    assert rotated.status_code == 200
    assert claims(rotated.json()["access"])["auth_time"] == access["auth_time"]
    assert claims(rotated.json()["access"])["amr"] == ["hwk", "user"]
    me = APIClient().get("/api/users/me/", **bearer(rotated.json()["access"]))
    assert me.status_code == 200 and me.json()["email"] == user.email


def test_password_login_tokens_say_pwd(auth_client):
    access = claims(auth_client.tokens["access"])
    assert access["amr"] == ["pwd"]
    assert claims(auth_client.tokens["refresh"])["auth_time"] == access["auth_time"]


def test_a_passkey_is_excluded_from_the_next_options(add_passkey, register_options, authenticator):
    add_passkey()
    options = register_options()
    assert [item["id"] for item in options["excludeCredentials"]] == [authenticator.credentials[0].id]


def test_login_with_an_unknown_credential_is_401(passkey_login, authenticator, login_options):
    from testing.authenticator import SoftAuthenticator

    stranger = SoftAuthenticator()
    stranger.create(
        {"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": "AAAAAAAAAAAAAAAAAAAAAA"}
    )
    response = passkey_login(authenticator=stranger)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_register_is_recorded_under_its_name_or_a_default(add_passkey):
    assert add_passkey()["name"] == "Passkey"


def test_login_url_is_post_only():
    assert APIClient().get(LOGIN_URL).status_code == 405
    assert APIClient().get(REGISTER_URL).status_code == 401
