"""DELETE /api/users/me/: the account and everything of it go, every token dies at once, one event stays.

With REDIS_URL set (CI's second run) the cached session state is Redis itself; without it a
Django cache of local memory stands in for it, so that the cached path is tested either way.
"""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Passkey, PasskeyUserHandle, SecurityEvent, User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import bearer, refresh
from accounts.tests.passkeys.conftest import ME_URL
from accounts.tests.sessions.test_session_cache import session_cache  # noqa: F401 - autouse: a shared store
from todos.models import Todo

pytestmark = pytest.mark.django_db


def test_delete_me_removes_everything_and_kills_every_token_at_once(
    auth_client, user, login, add_passkey, passkey_login
):
    add_passkey()
    other_device = login(user, device_name="other")
    by_passkey = passkey_login().json()
    auth_client.post("/api/todos/", {"title": "mine"}, format="json")
    stranger = UserFactory()
    stranger_tokens = login(stranger)
    # Every token has been used once, so that its session state is cached.
    tokens = [auth_client.tokens, other_device, by_passkey]
    for pair in tokens:
        assert APIClient().get(ME_URL, **bearer(pair["access"])).status_code == 200
    user_id = user.pk

    response = auth_client.delete(ME_URL)

    assert response.status_code == 204
    assert not User.objects.filter(pk=user_id).exists()
    for model in (DeviceSession, Passkey, PasskeyUserHandle):
        assert not model.objects.filter(user_id=user_id).exists(), model
    assert not Todo.objects.filter(owner_id=user_id).exists()
    for pair in tokens:
        assert APIClient().get(ME_URL, **bearer(pair["access"])).status_code == 401
        assert refresh(APIClient(), pair["refresh"]).status_code == 401
    # Nobody else is touched.
    assert APIClient().get(ME_URL, **bearer(stranger_tokens["access"])).status_code == 200


def test_an_event_without_the_email_survives(auth_client, user, api_client):
    email, user_id = user.email, user.pk
    api_client.post("/api/auth/login/", {"email": email, "password": "wrong"}, format="json")
    assert SecurityEvent.objects.filter(user_id=user_id, detail__email=email).exists()
    assert auth_client.delete(ME_URL).status_code == 204
    event = SecurityEvent.objects.get(type="account_deleted")
    assert event.user_id is None and event.detail == {"deleted_user_id": user_id}
    for remaining in SecurityEvent.objects.all():
        assert email not in str(remaining.detail), remaining
    assert SecurityEvent.objects.filter(type="login_failed").exists()  # kept, without the email


def test_the_email_can_register_again_with_nothing_of_the_old_account(auth_client, user, add_passkey):
    add_passkey()
    email = user.email
    assert auth_client.delete(ME_URL).status_code == 204
    response = APIClient().post("/api/auth/register/", {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 201
    client = APIClient()
    client.credentials(**bearer(response.json()["access"]))
    assert client.get("/api/auth/passkeys/").json()["count"] == 0
    assert client.get("/api/todos/").json()["count"] == 0
    assert client.get("/api/auth/sessions/").json()["count"] == 1


def test_delete_me_needs_a_recent_authentication(auth_client, user, settings):
    import time_machine
    from django.utils import timezone

    settings.ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
    client = APIClient()
    client.credentials(
        **bearer(
            APIClient()
            .post("/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")
            .json()["access"]
        )
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=301)):
        response = client.delete(ME_URL)
    assert response.status_code == 403 and response.json()["code"] == "reauthentication_required"
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_needs_a_token():
    assert APIClient().delete(ME_URL).status_code == 401
