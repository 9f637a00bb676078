"""Every path that changes a password or deactivates a user revokes the user's sessions."""

from datetime import timedelta

import pytest
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.core.management import call_command
from django.utils import timezone

from accounts import events
from accounts.models import DeviceSession, RevokeReason, SecurityEvent, User
from accounts.sessions.housekeeping import revocation_epochs_settle
from accounts.sessions.revocation import sessions_revoke_everybody
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import bearer, get_sessions, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_devices(user, login):
    return [login(user, device_name="laptop"), login(user, device_name="phone")]


def assert_all_dead(client, sessions):
    for tokens in sessions:
        assert get_sessions(client, tokens["access"]).status_code == 401
        assert refresh(client, tokens["refresh"]).status_code == 401


def test_set_password_and_save_revokes(api_client, user, two_devices):
    user.set_password("a-brand-new-Passw0rd")
    user.save()
    assert_all_dead(api_client, two_devices)
    event = SecurityEvent.objects.get(type="session_revoked")
    assert (event.reason, event.count, event.source) == ("password_changed", 2, "system")


def test_set_unusable_password_revokes(api_client, user, two_devices):
    user.set_unusable_password()
    user.save()
    assert_all_dead(api_client, two_devices)


def test_changepassword_command_revokes(api_client, user, two_devices, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-brand-new-Passw0rd")
    call_command("changepassword", user.email, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert_all_dead(api_client, two_devices)


def test_admin_password_form_revokes(api_client, user, two_devices):
    form = AdminPasswordChangeForm(
        user,
        {"password1": "a-brand-new-Passw0rd", "password2": "a-brand-new-Passw0rd", "usable_password": "true"},
    )
    assert form.is_valid(), form.errors
    form.save()
    assert_all_dead(api_client, two_devices)


def test_deactivating_a_user_revokes(api_client, user, two_devices):
    user.is_active = False
    user.save()
    assert_all_dead(api_client, two_devices)
    assert DeviceSession.objects.filter(revoke_reason="user_deactivated").count() == 2


def test_inactive_user_tokens_are_refused_even_without_the_signal(api_client, user, two_devices):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_all_dead(api_client, two_devices)


def test_deleted_user_tokens_are_refused(api_client, user, two_devices):
    user.delete()
    for tokens in two_devices:
        assert get_sessions(api_client, tokens["access"]).status_code == 401
        assert refresh(api_client, tokens["refresh"]).status_code == 401


def test_other_saves_do_not_revoke(api_client, user, two_devices):
    user.first_name = "Changed"
    user.save()
    assert get_sessions(api_client, two_devices[0]["access"]).status_code == 200


def test_password_rehash_at_login_does_not_revoke(api_client, user, login, settings):
    # Logging in with a password stored under an older hasher upgrades the hash silently;
    # that must not log the user's other devices out.
    tokens = login(user)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    login(user, device_name="second")
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2_sha256$")
    assert get_sessions(api_client, tokens["access"]).status_code == 200
    assert not DeviceSession.objects.filter(revoked_at__isnull=False).exists()


def test_other_users_are_untouched(api_client, user, login):
    stranger = UserFactory()
    theirs = login(stranger)
    user.set_password("a-brand-new-Passw0rd")
    user.save()
    assert get_sessions(api_client, theirs["access"]).status_code == 200


def test_acting_as_attributes_the_event(user, two_devices):
    admin = UserFactory(is_staff=True)
    with events.acting_as(admin, "admin"):
        user.set_password("a-brand-new-Passw0rd")
        user.save()
    event = SecurityEvent.objects.get(type="session_revoked")
    assert (event.actor, event.source, event.user) == (admin, "admin", user)


def test_new_user_signup_revokes_nothing(api_client):
    response = api_client.post(
        "/api/auth/register/", {"email": "fresh@example.com", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 201
    assert not SecurityEvent.objects.filter(type="session_revoked").exists()


# --- Why: the 401 of an ended session says what ended it, so the client can tell its user ----


@pytest.mark.parametrize(
    "end, reason",
    [
        (lambda client, user, mine, other: client.delete(f"/api/auth/sessions/{mine['session']['id']}/", **bearer(other["access"])), "session_deleted"),
        (lambda client, user, mine, other: client.post("/api/auth/logout-all/", **bearer(other["access"])), "logout_all"),
        (lambda client, user, mine, other: (user.set_password("a-brand-new-Passw0rd"), user.save()), "password_changed"),
        (lambda client, user, mine, other: (setattr(user, "is_active", False), user.save()), "user_deactivated"),
        (lambda client, user, mine, other: refresh(client, refresh(client, mine["refresh"]).json() and mine["refresh"]), "reuse_detected"),
        (lambda client, user, mine, other: sessions_revoke_everybody(reason=RevokeReason.COMMAND), "command"),
        (lambda client, user, mine, other: (sessions_revoke_everybody(reason=RevokeReason.ADMIN), revocation_epochs_settle(older_than=timedelta(0))), "admin"),
    ],
    ids=["ended from another device", "logged out everywhere", "password changed", "deactivated", "reuse", "everybody (unsettled epoch)", "everybody (settled epoch)"],
)  # fmt: skip
def test_the_401_of_an_ended_session_says_why(api_client, user, login, end, reason):
    mine, other = login(user, device_name="laptop"), login(user, device_name="phone")
    end(api_client, user, mine, other)

    response = get_sessions(api_client, mine["access"])
    assert response.status_code == 401
    assert response.json()["code"] == "session_revoked"
    assert response.json()["reason"] == reason
    response = refresh(api_client, mine["refresh"])
    assert (response.status_code, response.json()["code"]) == (401, "token_not_valid")
    assert response.json()["reason"] == reason


def test_an_expired_session_says_so(api_client, user, login):
    tokens = login(user)
    DeviceSession.objects.filter(pk=tokens["session"]["id"]).update(expires_at=timezone.now())
    assert get_sessions(api_client, tokens["access"]).json()["reason"] == "session_expired"
    assert refresh(api_client, tokens["refresh"]).json()["reason"] == "session_expired"


def test_a_token_of_an_unknown_session_gets_no_reason(api_client, user, login):
    tokens = login(user)
    DeviceSession.objects.filter(pk=tokens["session"]["id"]).delete()
    body = get_sessions(api_client, tokens["access"]).json()
    assert body["code"] == "session_revoked" and "reason" not in body
