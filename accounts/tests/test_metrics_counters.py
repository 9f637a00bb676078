"""What accounts counts in /metrics: each outcome of a refresh and a login, each path that revokes.

Every test drives the real endpoint, admin page or command, then reads the counters back from a
scrape of ``/metrics`` (common.tests.test_metrics.scrape), as Prometheus would.
"""

import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import DeviceSession, RevokeReason, User
from accounts.sessions.revocation import session_revoke
from accounts.tests.admin.test_admin import csrf_client, post_action
from accounts.tests.dpop_helpers import ClientKey, login_bound
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import (
    LOGOUT_URL,
    SESSIONS_URL,
    bearer,
    breaker_allows,
    change_password,
    refresh,
    trip_the_breaker,
)
from common.tests.test_metrics import scrape
from testing.servers import free_port

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "an-0ther-long-Passw0rd"
FAMILIES = {
    "auth_refresh_total": "outcome",
    "auth_login_total": "outcome",
    "sessions_revoked_total": "reason",
    "session_cache_requests_total": "result",
    "dpop_replay_fallbacks_total": "cause",
    "mail_failures_total": "step",
}


class Counters:
    """The accounts counters of a scrape, to compare with a later one."""

    def __init__(self):
        self.samples, _ = scrape()

    def moved(self, name):
        """Return {label value: growth} of the family ``name`` since this scrape, leaving out what did not move."""
        now, _ = scrape()
        label = FAMILIES[name]
        growth = {}
        for (sample, labels), value in now.items():
            if sample == name:
                grown = value - self.samples.get((sample, labels), 0.0)
                if grown:
                    growth[dict(labels)[label]] = grown
        return growth


def log_in(client, user, password=PASSWORD, **extra):
    return client.post(
        "/api/auth/login/",
        {"email": user.email, "password": password, "device_name": "test device"},
        format="json",
        **extra,
    )


# --- Refresh ------------------------------------------------------------------------------------


def test_each_refresh_outcome_moves_its_own_series(api_client, user, login, settings):
    settings.REFRESH_REUSE_GRACE_SECONDS = 5
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=5)
    tokens = login(user)
    counters = Counters()
    first = refresh(api_client, tokens["refresh"])
    assert first.status_code == 200
    assert counters.moved("auth_refresh_total") == {"ok": 1}

    counters = Counters()
    assert refresh(api_client, tokens["refresh"]).status_code == 200  # a retry within the grace window
    assert counters.moved("auth_refresh_total") == {"grace": 1}

    counters = Counters()
    assert refresh(api_client, "not-a-token").status_code == 401
    assert api_client.post("/api/auth/refresh/").status_code == 401  # no token at all
    assert counters.moved("auth_refresh_total") == {"invalid": 2}

    second = login(user, device_name="phone")
    assert api_client.post(LOGOUT_URL, **bearer(second["access"])).status_code == 204
    counters = Counters()
    assert refresh(api_client, second["refresh"]).status_code == 401
    assert counters.moved("auth_refresh_total") == {"revoked": 1}

    with time_machine.travel(timezone.now() + settings.REFRESH_TOKEN_LIFETIME + timedelta(minutes=1)):
        counters = Counters()
        assert refresh(api_client, first.json()["refresh"]).status_code == 401
        assert counters.moved("auth_refresh_total") == {"expired": 1}


def test_a_reuse_counts_once_as_reuse_and_revokes_with_its_reason(api_client, user, login):
    tokens = login(user)
    assert refresh(api_client, tokens["refresh"]).status_code == 200
    counters = Counters()
    response = refresh(api_client, tokens["refresh"])
    assert response.status_code == 401
    assert response.json()["reason"] == "reuse_detected"
    assert counters.moved("auth_refresh_total") == {"reuse": 1}
    assert counters.moved("sessions_revoked_total") == {"reuse_detected": 1}


def test_a_session_past_its_end_in_the_database_counts_as_expired(api_client, user, login):
    tokens = login(user)
    DeviceSession.objects.filter(pk=tokens["session"]["id"]).update(expires_at=timezone.now())
    counters = Counters()
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert counters.moved("auth_refresh_total") == {"expired": 1}


def test_a_refresh_of_a_deactivated_user_counts_as_revoked(api_client, user, login):
    tokens = login(user)
    user.is_active = False
    user.save()
    counters = Counters()
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert counters.moved("auth_refresh_total") == {"revoked": 1}


# --- Login --------------------------------------------------------------------------------------


def test_each_login_outcome_moves_its_own_series(api_client, user, settings):
    counters = Counters()
    assert log_in(api_client, user).status_code == 200
    assert log_in(api_client, user, password="wrong").status_code == 401
    assert log_in(api_client, UserFactory.build(email="nobody@example.com")).status_code == 401
    assert counters.moved("auth_login_total") == {"ok": 1, "failed": 2}

    settings.SESSION_MAX_PER_USER = 1
    settings.SESSION_LIMIT_POLICY = "deny"
    counters = Counters()
    assert log_in(api_client, user).status_code == 409
    assert counters.moved("auth_login_total") == {"session_limit": 1}

    settings.DPOP_REQUIRED = True
    counters = Counters()
    assert log_in(api_client, user).status_code == 401  # no proof where one is required
    assert counters.moved("auth_login_total") == {"rejected": 1}

    settings.AUTH_THROTTLE_RATE = "1/min"
    settings.DPOP_REQUIRED = False
    cache.clear()  # the attempts above
    counters = Counters()
    assert log_in(api_client, user, password="wrong").status_code == 401
    response = log_in(api_client, user)
    assert response.status_code == 429
    assert counters.moved("auth_login_total") == {"failed": 1, "throttled": 1}


class ChangesThePasswordOnceChecked(ModelBackend):
    """Django's backend, then a password change committed before the login opens its session."""

    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None:
            changed = User.objects.get(pk=user.pk)
            changed.set_password(NEW_PASSWORD)
            changed.save()
        return user


def test_a_password_changed_between_the_check_and_the_session_counts_as_rejected(api_client, user, settings):
    """The right password, replaced while the login checked it: refused, and told apart from a wrong one."""
    settings.AUTHENTICATION_BACKENDS = [f"{__name__}.ChangesThePasswordOnceChecked"]
    counters = Counters()
    assert log_in(api_client, user).status_code == 401
    assert counters.moved("auth_login_total") == {"rejected": 1}
    assert not DeviceSession.objects.filter(user=user).exists()


# --- Revocations, by every path -----------------------------------------------------------------


def test_the_api_paths_count_each_session_they_revoke_by_reason(api_client, user, login):
    sessions = [login(user, device_name=f"device {n}") for n in range(5)]
    counters = Counters()
    assert api_client.post(LOGOUT_URL, **bearer(sessions[0]["refresh"])).status_code == 204
    assert api_client.post(LOGOUT_URL, **bearer(sessions[0]["refresh"])).status_code == 401  # counted once
    url = f"{SESSIONS_URL}{sessions[1]['session']['id']}/"
    assert api_client.delete(url, **bearer(sessions[2]["access"])).status_code == 204
    assert api_client.post("/api/auth/logout-others/", **bearer(sessions[2]["access"])).status_code == 204
    assert counters.moved("sessions_revoked_total") == {"logout": 1, "session_deleted": 1, "logout_others": 2}

    more = [login(user, device_name=f"other {n}") for n in range(2)]
    counters = Counters()
    assert api_client.post("/api/auth/logout-all/", **bearer(more[0]["access"])).status_code == 204
    assert counters.moved("sessions_revoked_total") == {"logout_all": 3}

    tokens = [login(user, device_name=f"again {n}") for n in range(3)]
    counters = Counters()
    assert change_password(api_client, tokens[0]["access"], NEW_PASSWORD).status_code == 200
    assert counters.moved("sessions_revoked_total") == {"password_changed": 3}


def test_account_paths_count_their_revocations(api_client, user, login, settings):
    for n in range(2):
        login(user, device_name=f"device {n}")
    counters = Counters()
    user.set_password(NEW_PASSWORD)
    user.save()
    assert counters.moved("sessions_revoked_total") == {"password_changed": 2}

    login(user, password=NEW_PASSWORD)
    user.refresh_from_db()  # the token is made from the last login, among others
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    counters = Counters()
    response = api_client.post(
        "/api/auth/password/reset/confirm/",
        {"uid": uid, "token": default_token_generator.make_token(user), "new_password": PASSWORD},
        format="json",
    )
    assert response.status_code == 204, response.content
    assert counters.moved("sessions_revoked_total") == {"password_reset": 1}

    login(user)
    counters = Counters()
    user.refresh_from_db()
    user.is_active = False
    user.save()
    assert counters.moved("sessions_revoked_total") == {"user_deactivated": 1}

    other = UserFactory()
    settings.SESSION_MAX_PER_USER = 1
    login(other)
    counters = Counters()
    login(other, device_name="second")  # evicts the first under the default policy
    assert counters.moved("sessions_revoked_total") == {"session_limit": 1}


def test_admin_actions_count_as_admin(api_client, login):
    user = UserFactory()
    tokens = [login(user, device_name=f"device {n}") for n in range(3)]
    admin = csrf_client(UserFactory(is_staff=True, is_superuser=True))
    counters = Counters()
    post_action(admin, "/admin/accounts/devicesession/", "revoke_selected", [tokens[0]["session"]["id"]])
    assert counters.moved("sessions_revoked_total") == {"admin": 1}
    counters = Counters()
    post_action(admin, "/admin/accounts/user/", "revoke_all_sessions", [user.pk])
    assert counters.moved("sessions_revoked_total") == {"admin": 2}


def test_the_command_counts_per_user_and_bulk_revocations(login):
    users = UserFactory.create_batch(3)
    for person in users:
        login(person)
    login(users[0], device_name="second")
    counters = Counters()
    call_command("revoke_sessions", "--user", users[0].email, stdout=io.StringIO())
    assert counters.moved("sessions_revoked_total") == {"command": 2}
    counters = Counters()
    call_command("revoke_sessions", "--all", stdout=io.StringIO())  # one epoch, for every live session
    assert counters.moved("sessions_revoked_total") == {"command": 2}
    counters = Counters()
    call_command("revoke_sessions", "--all", "--dry-run", stdout=io.StringIO())
    call_command("revoke_sessions", "--all", stdout=io.StringIO())  # none live: nothing revoked
    assert counters.moved("sessions_revoked_total") == {}


def test_a_revocation_rolled_back_counts_nothing(user, login):
    tokens = login(user)
    counters = Counters()
    with pytest.raises(RuntimeError), transaction.atomic():
        assert session_revoke(session_id=tokens["session"]["id"], user_id=user.pk, reason=RevokeReason.ADMIN)
        raise RuntimeError("undone")
    assert counters.moved("sessions_revoked_total") == {}
    assert DeviceSession.objects.get(pk=tokens["session"]["id"]).revoked_at is None


# --- The session cache, the DPoP replay record and the mail: real faults -----------------------


@pytest.fixture
def redis(fresh_redis, settings):
    """The session state and the DPoP replay record in the private redis-server, started afresh."""
    settings.SESSION_STATE_REDIS_URL = fresh_redis.url
    settings.SESSION_STATE_CACHE = None
    settings.DPOP_REPLAY_REDIS_URL = fresh_redis.url
    return fresh_redis


def test_session_cache_hits_misses_and_bypasses_while_redis_is_down(api_client, user, login, redis):
    tokens = login(user)
    counters = Counters()
    for _ in range(3):
        assert api_client.get(SESSIONS_URL, **bearer(tokens["access"])).status_code == 200
    assert counters.moved("session_cache_requests_total") == {"miss": 1, "hit": 2}

    trip_the_breaker(redis, "killed")
    counters = Counters()
    assert api_client.get(SESSIONS_URL, **bearer(tokens["access"])).status_code == 200  # from the database
    assert counters.moved("session_cache_requests_total") == {"bypass": 1}

    redis.start()
    breaker_allows()
    counters = Counters()
    assert api_client.get(SESSIONS_URL, **bearer(tokens["access"])).status_code == 200
    assert counters.moved("session_cache_requests_total") == {"miss": 1}  # a fresh Redis knows nothing


def test_no_store_configured_counts_every_authentication_as_a_bypass(auth_client, settings):
    settings.SESSION_STATE_REDIS_URL = None
    settings.SESSION_STATE_CACHE = None
    counters = Counters()
    assert auth_client.get(SESSIONS_URL).status_code == 200
    assert counters.moved("session_cache_requests_total") == {"bypass": 1}


def test_dpop_proofs_recorded_in_the_database_count_by_cause(api_client, user, redis, settings):
    settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS = 3600  # a Redis up for less: "may have lost records"
    key = ClientKey()
    tokens = login_bound(api_client, user, key)

    def with_a_new_proof():
        return api_client.get(SESSIONS_URL, **key.headers("GET", SESSIONS_URL, tokens["access"]))

    counters = Counters()
    assert with_a_new_proof().status_code == 200
    assert counters.moved("dpop_replay_fallbacks_total") == {"loss_window": 1}

    settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS = 0
    counters = Counters()
    assert with_a_new_proof().status_code == 200
    assert counters.moved("dpop_replay_fallbacks_total") == {}  # Redis answered, past the window

    redis.kill()
    counters = Counters()
    assert with_a_new_proof().status_code == 200
    assert counters.moved("dpop_replay_fallbacks_total") == {"redis_unavailable": 1}


def test_a_mail_the_server_refuses_counts_as_a_send_failure(api_client, user, login, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    tokens = login(user)
    assert refresh(api_client, tokens["refresh"]).status_code == 200
    counters = Counters()
    assert refresh(api_client, tokens["refresh"]).status_code == 401  # reuse: the user is mailed
    assert counters.moved("mail_failures_total") == {"send": 1}


def test_no_label_holds_an_email_a_user_id_or_a_token(api_client, login):
    user = UserFactory(email="label-probe@example.com")
    tokens = login(user)
    refresh(api_client, tokens["refresh"])
    refresh(api_client, tokens["refresh"])
    log_in(api_client, user, password="wrong")
    _, response = scrape()
    text = response.content.decode()
    for secret in (user.email, tokens["refresh"], tokens["access"], tokens["session"]["id"]):
        assert secret not in text
    labels = {dict(labels).get(FAMILIES[name]) for name, labels in scrape()[0] if name in FAMILIES}
    assert str(user.pk) not in labels
