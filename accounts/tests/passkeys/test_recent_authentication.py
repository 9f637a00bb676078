"""The recent-authentication rule, re-authentication, and managing passkeys under it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Passkey, SecurityEvent
from accounts.sessions.tokens import SessionRefreshToken
from accounts.tests.factories import PASSWORD, DeviceSessionFactory, UserFactory
from accounts.tests.helpers import bearer, claims, refresh, sign
from accounts.tests.passkeys.conftest import (
    ME_URL,
    PASSKEYS_URL,
    REAUTH_URL,
    REGISTER_OPTIONS_URL,
    REGISTER_URL,
)

pytestmark = pytest.mark.django_db

LATER = timedelta(seconds=301)
CHALLENGE = 'Bearer error="insufficient_user_authentication", max_age=300'


@pytest.fixture(autouse=True)
def _access_tokens_outlive_the_reauthentication_age(settings):
    """Access tokens live an hour here, so that a 403 is about auth_time and never a 401 about expiry."""
    settings.ACCESS_TOKEN_LIFETIME = timedelta(hours=1)


def assert_reauth_required(response, max_age=300):
    assert response.status_code == 403, response.content
    assert response.json() == {
        "detail": "Authenticate again (password or passkey) to do this.",
        "code": "reauthentication_required",
        "max_age": max_age,
    }
    assert (
        response["WWW-Authenticate"] == f'Bearer error="insufficient_user_authentication", max_age={max_age}'
    )


def later():
    return time_machine.travel(timezone.now() + LATER, tick=False)


def test_an_old_authentication_cannot_add_a_passkey_or_delete_the_account(auth_client):
    with later():
        # A refresh keeps auth_time: a stolen refresh token buys no fresh authentication.
        client = APIClient()
        client.credentials(**bearer(refresh(APIClient(), auth_client.tokens["refresh"]).json()["access"]))
        assert_reauth_required(client.post(REGISTER_OPTIONS_URL))
        assert_reauth_required(client.post(REGISTER_URL, {"credential": {}}, format="json"))
        assert_reauth_required(client.delete(ME_URL))
        assert_reauth_required(client.delete(f"{PASSKEYS_URL}1/"))
        # Reading and renaming need no fresh authentication.
        assert client.get(PASSKEYS_URL).status_code == 200
        assert client.get(ME_URL).status_code == 200


def test_a_register_refused_for_an_old_authentication_leaves_its_challenge_for_the_retry(
    auth_client, authenticator, register_options, settings
):
    """Sign-in may lapse between options and register: after re-authenticating, the same credential goes in.

    The web client sends it again rather than running the ceremony twice, which would leave an
    unregistered credential on the authenticator.
    """
    settings.REAUTH_MAX_AGE_SECONDS = 60
    credential = authenticator.create(register_options())
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert_reauth_required(auth_client.post(REGISTER_URL, {"credential": credential}, format="json"), 60)
        response = auth_client.post(REAUTH_URL, {"password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        auth_client.credentials(**bearer(response.json()["access"]))
        response = auth_client.post(REGISTER_URL, {"credential": credential}, format="json")
        assert response.status_code == 201, response.content
        # and the challenge is used up by that success
        assert auth_client.post(REGISTER_URL, {"credential": credential}, format="json").status_code == 400
    assert Passkey.objects.count() == 1


def test_max_age_follows_the_setting(auth_client, settings):
    settings.REAUTH_MAX_AGE_SECONDS = 0
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        assert_reauth_required(auth_client.post(REGISTER_OPTIONS_URL), max_age=0)


def test_a_token_from_before_auth_time_was_recorded_is_not_recent(user):
    session = DeviceSessionFactory(user=user)
    assert session.auth_time is None
    token = SessionRefreshToken.for_session(
        user_id=user.pk,
        session_id=session.pk,
        expires_at=session.expires_at,
        session_expires_at=session.absolute_expires_at,
    )
    token["jti"] = session.refresh_jti
    access = str(token.access_token)
    assert "auth_time" not in claims(access)
    assert_reauth_required(APIClient().post(REGISTER_OPTIONS_URL, **bearer(access)))
    # Its refresh still works, and still carries no auth_time.
    rotated = refresh(APIClient(), str(token))
    assert rotated.status_code == 200 and "auth_time" not in claims(rotated.json()["access"])


@pytest.mark.parametrize("value", ["1700000000", -1, 10**13, None, [1]])
def test_a_signed_token_with_a_bad_auth_time_is_401(auth_client, value):
    payload = claims(auth_client.tokens["access"])
    payload["auth_time"] = value
    assert APIClient().get(ME_URL, **bearer(sign(payload))).status_code == 401


@pytest.mark.parametrize("value", ["pwd", [1], {"a": 1}])
def test_a_signed_token_with_a_bad_amr_is_401(auth_client, value):
    payload = claims(auth_client.tokens["access"])
    payload["amr"] = value
    assert APIClient().get(ME_URL, **bearer(sign(payload))).status_code == 401


def test_reauthenticate_with_the_password_renews_auth_time_on_the_same_session(auth_client, user, settings):
    before = claims(auth_client.tokens["access"])
    with later():
        assert_reauth_required(auth_client.post(REGISTER_OPTIONS_URL))
        response = auth_client.post(REAUTH_URL, {"password": PASSWORD}, format="json")
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"access", "token_type", "expires_in"}
        assert body["token_type"] == "Bearer" and response["Cache-Control"] == "no-store"
        fresh = claims(body["access"])
        assert fresh["sid"] == before["sid"] and fresh["amr"] == ["pwd"]
        assert fresh["auth_time"] >= before["auth_time"] + 300
        client = APIClient()
        client.credentials(**bearer(body["access"]))
        assert client.post(REGISTER_OPTIONS_URL).status_code == 200
        # The session's next refresh keeps the new auth_time.
        rotated = refresh(APIClient(), auth_client.tokens["refresh"]).json()
        assert claims(rotated["access"])["auth_time"] == fresh["auth_time"]
        assert claims(rotated["refresh"])["auth_time"] == fresh["auth_time"]
    assert DeviceSession.objects.get(pk=before["sid"]).amr == "pwd"
    assert SecurityEvent.objects.filter(type="reauthenticated", user=user).count() == 1


def test_a_wrong_password_is_400_and_changes_nothing(auth_client):
    before = DeviceSession.objects.get().auth_time
    response = auth_client.post(REAUTH_URL, {"password": "wrong"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reauthentication_failed"
    assert DeviceSession.objects.get().auth_time == before


@pytest.mark.parametrize("body", [{}, {"password": PASSWORD, "credential": {}}, {"credential": "x"}])
def test_reauthenticate_takes_exactly_one_of_password_or_credential(auth_client, body):
    assert auth_client.post(REAUTH_URL, body, format="json").status_code == 400


def test_reauthenticate_needs_an_access_token():
    assert APIClient().post(REAUTH_URL, {"password": PASSWORD}, format="json").status_code == 401


def test_reauthenticate_with_a_passkey(auth_client, add_passkey, authenticator, login_options, settings):
    add_passkey()
    with later():
        credential = authenticator.get(login_options())
        response = auth_client.post(REAUTH_URL, {"credential": credential}, format="json")
        assert response.status_code == 200, response.content
        access = claims(response.json()["access"])
        assert access["amr"] == ["hwk", "user"]
        assert access["sid"] == claims(auth_client.tokens["access"])["sid"]
        assert (
            APIClient()
            .delete(f"{PASSKEYS_URL}{Passkey.objects.get().pk}/", **bearer(response.json()["access"]))
            .status_code
            == 204
        )
        # The challenge is used up.
        again = auth_client.post(REAUTH_URL, {"credential": credential}, format="json")
        assert again.status_code == 400


def test_reauthenticate_with_another_users_passkey_is_400(
    auth_client, login, authenticator, login_options, register_options
):
    other = APIClient()
    other.credentials(**bearer(login(UserFactory())["access"]))
    credential = authenticator.create(register_options(other))
    assert other.post(REGISTER_URL, {"credential": credential}, format="json").status_code == 201
    response = auth_client.post(REAUTH_URL, {"credential": authenticator.get(login_options())}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "reauthentication_failed"


def test_rename_and_delete_passkeys(auth_client, add_passkey, user):
    added = add_passkey()
    url = f"{PASSKEYS_URL}{added['id']}/"
    renamed = auth_client.patch(url, {"name": "Work key"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "Work key"
    assert auth_client.patch(url, {"name": "a\nb"}, format="json").status_code == 400
    assert auth_client.patch(url, {"name": ""}, format="json").status_code == 400
    assert auth_client.delete(url).status_code == 204
    assert not Passkey.objects.exists()
    assert SecurityEvent.objects.filter(type="passkey_removed", user=user).count() == 1
    assert auth_client.delete(url).status_code == 404


def test_another_users_passkey_is_404(auth_client, login, add_passkey):
    added = add_passkey()
    other = APIClient()
    other.credentials(**bearer(login(UserFactory())["access"]))
    url = f"{PASSKEYS_URL}{added['id']}/"
    assert other.patch(url, {"name": "mine"}, format="json").status_code == 404
    assert other.delete(url).status_code == 404
    assert other.get(PASSKEYS_URL).json()["count"] == 0
    assert Passkey.objects.get().name == "Passkey"


def test_the_list_is_paginated(auth_client, add_passkey):
    for _ in range(3):
        add_passkey()
    page = auth_client.get(PASSKEYS_URL, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]


def test_a_grace_window_retry_keeps_auth_time(auth_client, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    first = refresh(APIClient(), auth_client.tokens["refresh"])
    retry = refresh(APIClient(), auth_client.tokens["refresh"])
    assert first.status_code == retry.status_code == 200
    expected = claims(auth_client.tokens["access"])["auth_time"]
    assert claims(retry.json()["refresh"])["auth_time"] == expected
    assert claims(retry.json()["access"])["amr"] == ["pwd"]


def test_reauthenticate_is_throttled_per_user(auth_client, settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    statuses = [
        auth_client.post(REAUTH_URL, {"password": "wrong"}, format="json").status_code for _ in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_a_password_change_keeps_passkeys(auth_client, add_passkey, passkey_login):
    add_passkey()
    changed = auth_client.post(
        "/api/auth/password/change/",
        {"current_password": PASSWORD, "new_password": "An0ther-long-passw0rd"},
        format="json",
    )
    assert changed.status_code == 200
    assert Passkey.objects.count() == 1
    assert passkey_login().status_code == 200


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999999"])
def test_ids_out_of_range_are_404(auth_client, pk):
    assert auth_client.patch(f"{PASSKEYS_URL}{pk}/", {"name": "x"}, format="json").status_code == 404
    assert auth_client.delete(f"{PASSKEYS_URL}{pk}/").status_code == 404
