"""Rotation, reuse detection, the grace window and expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import DeviceSession, SecurityEvent
from accounts.tests.helpers import claims, get_sessions, refresh

pytestmark = pytest.mark.django_db


def whole_second_now():
    # Token times are whole seconds; starting on one keeps the arithmetic exact.
    return timezone.now().replace(microsecond=0)


def rotate(client, token):
    response = refresh(client, token)
    assert response.status_code == 200, response.content
    return response.json()


def test_rotation_retires_the_old_token(api_client, user, login):
    r1 = login(user)["refresh"]
    r2 = rotate(api_client, r1)["refresh"]
    session = DeviceSession.objects.get()
    assert session.refresh_jti == claims(r2)["jti"]
    assert session.previous_jti == claims(r1)["jti"]
    assert session.rotated_at is not None


def test_reusing_an_old_token_kills_the_newest(api_client, user, login):
    tokens = login(user)
    newest = rotate(api_client, tokens["refresh"])
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    # Every token of the session is dead, the newest pair included.
    assert refresh(api_client, newest["refresh"]).status_code == 401
    assert get_sessions(api_client, newest["access"]).status_code == 401
    session = DeviceSession.objects.get()
    assert session.revoke_reason == "reuse_detected"
    assert SecurityEvent.objects.filter(type="refresh_reuse", session_id=session.pk).count() == 1
    assert SecurityEvent.objects.filter(type="session_revoked", reason="reuse_detected").count() == 1


def test_chain_r1_r2_r3_then_r1_revokes(api_client, user, login):
    r1 = login(user)["refresh"]
    r2 = rotate(api_client, r1)["refresh"]
    r3 = rotate(api_client, r2)
    assert refresh(api_client, r1).status_code == 401
    assert refresh(api_client, r3["refresh"]).status_code == 401
    assert get_sessions(api_client, r3["access"]).status_code == 401


def test_reuse_kills_only_that_device(api_client, user, login):
    stolen = login(user, device_name="victim")
    other = login(user, device_name="other")
    rotate(api_client, stolen["refresh"])
    refresh(api_client, stolen["refresh"])
    assert get_sessions(api_client, other["access"]).status_code == 200
    assert refresh(api_client, other["refresh"]).status_code == 200


def test_grace_window_off_by_default_is_strict(api_client, user, login, settings):
    assert timedelta(0) == settings.REFRESH_REUSE_GRACE
    r1 = login(user)["refresh"]
    rotate(api_client, r1)
    assert refresh(api_client, r1).status_code == 401


def test_grace_window_returns_the_live_token_of_the_same_session(api_client, user, login, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    r1 = login(user)["refresh"]
    first = rotate(api_client, r1)
    retry = rotate(api_client, r1)
    assert claims(retry["refresh"])["jti"] == claims(first["refresh"])["jti"]
    assert claims(retry["refresh"])["sid"] == claims(first["refresh"])["sid"]
    assert get_sessions(api_client, retry["access"]).status_code == 200
    # One chain: the next rotation from either copy retires both.
    third = rotate(api_client, retry["refresh"])
    assert get_sessions(api_client, third["access"]).status_code == 200
    assert not SecurityEvent.objects.filter(type="refresh_reuse").exists()
    # The retry is no attack, but an operator sees it happened.
    grace = SecurityEvent.objects.get(type="refresh_grace")
    assert str(grace.session_id) == claims(r1)["sid"] and grace.source == "api"


def test_grace_window_does_not_cover_older_generations(api_client, user, login, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    r1 = login(user)["refresh"]
    r2 = rotate(api_client, r1)["refresh"]
    r3 = rotate(api_client, r2)
    assert refresh(api_client, r1).status_code == 401
    assert refresh(api_client, r3["refresh"]).status_code == 401


def test_grace_window_expires(api_client, user, login, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=5)
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        r1 = login(user)["refresh"]
        r2 = rotate(api_client, r1)
        clock.shift(timedelta(seconds=6))
        assert refresh(api_client, r1).status_code == 401
        assert refresh(api_client, r2["refresh"]).status_code == 401


def test_idle_expiry(api_client, user, login, settings):
    settings.REFRESH_TOKEN_LIFETIME = timedelta(seconds=60)
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        tokens = login(user)
        assert 0 < tokens["refresh_expires_in"] <= 60
        clock.shift(timedelta(seconds=59))
        kept_alive = rotate(api_client, tokens["refresh"])
        clock.shift(timedelta(seconds=59))  # 118 s after login, yet within 60 s of the last use
        kept_alive = rotate(api_client, kept_alive["refresh"])
        clock.shift(timedelta(seconds=61))
        assert refresh(api_client, kept_alive["refresh"]).status_code == 401
    assert not SecurityEvent.objects.filter(type="refresh_reuse").exists()


def test_rotation_never_extends_past_the_absolute_cap(api_client, user, login, settings):
    settings.REFRESH_TOKEN_LIFETIME = timedelta(seconds=60)
    settings.SESSION_MAX_LIFETIME = timedelta(seconds=100)
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        tokens = login(user)
        clock.shift(timedelta(seconds=50))
        tokens = rotate(api_client, tokens["refresh"])
        assert tokens["refresh_expires_in"] == 50  # capped: 100 s after login
        clock.shift(timedelta(seconds=45))
        tokens = rotate(api_client, tokens["refresh"])
        assert tokens["refresh_expires_in"] == 5
        assert tokens["expires_in"] <= 5  # the access token never outlives the session
        session = DeviceSession.objects.get()
        assert session.expires_at == session.absolute_expires_at
        clock.shift(timedelta(seconds=6))
        assert refresh(api_client, tokens["refresh"]).status_code == 401
        assert get_sessions(api_client, tokens["access"]).status_code == 401


def test_expired_access_token_is_401_but_refresh_works(api_client, user, login, settings):
    settings.ACCESS_TOKEN_LIFETIME = timedelta(seconds=2)
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        tokens = login(user)
        assert tokens["expires_in"] == 2
        clock.shift(timedelta(seconds=3))
        response = get_sessions(api_client, tokens["access"])
        assert response.status_code == 401
        assert response.json()["code"] == "token_not_valid"
        fresh = rotate(api_client, tokens["refresh"])
        assert get_sessions(api_client, fresh["access"]).status_code == 200


def test_session_expired_in_the_database_refuses_access(api_client, user, login):
    tokens = login(user)
    DeviceSession.objects.update(absolute_expires_at=timezone.now() - timedelta(seconds=1))
    assert get_sessions(api_client, tokens["access"]).status_code == 401
    assert refresh(api_client, tokens["refresh"]).status_code == 401


def test_refresh_updates_last_used(api_client, user, login):
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        tokens = login(user)
        clock.shift(timedelta(minutes=10))
        rotate(api_client, tokens["refresh"])
        session = DeviceSession.objects.get()
        assert session.last_used_at - session.created_at == timedelta(minutes=10)


def test_authenticated_use_updates_last_used_at_most_once_a_minute(api_client, user, login, settings):
    settings.ACCESS_TOKEN_LIFETIME = timedelta(hours=1)
    with time_machine.travel(whole_second_now(), tick=False) as clock:
        tokens = login(user)
        created = DeviceSession.objects.get().created_at

        def last_used_after_a_request():
            assert get_sessions(api_client, tokens["access"]).status_code == 200
            return DeviceSession.objects.get().last_used_at - created

        clock.shift(timedelta(seconds=30))
        assert last_used_after_a_request() == timedelta(0)  # used 30 s ago: not worth a write
        clock.shift(timedelta(seconds=45))
        assert last_used_after_a_request() == timedelta(seconds=75)
        clock.shift(timedelta(seconds=59))
        assert last_used_after_a_request() == timedelta(seconds=75)
        clock.shift(timedelta(minutes=5))
        assert last_used_after_a_request() == timedelta(seconds=75 + 59 + 300)
        # And the sessions list shows it.
        listed = get_sessions(api_client, tokens["access"]).json()["results"][0]
        assert listed["last_used_at"].startswith(
            (created + timedelta(seconds=434)).strftime("%Y-%m-%dT%H:%M:%S")
        )
