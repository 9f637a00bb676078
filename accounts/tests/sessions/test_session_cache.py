"""The shared-store path of authentication: no SQL while current, never serving a revoked session.

With REDIS_URL set (CI's second run) these tests use Redis itself; without it they give
session state a Django cache of local memory, acceptable only in a single-process test.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from rest_framework.test import APIRequestFactory

from accounts.authentication import SessionJWTAuthentication
from accounts.models import RevokeReason, User
from accounts.sessions.revocation import (
    session_revoke,
    sessions_revoke_everybody,
    sessions_revoke_matching,
    sessions_revoke_of_users,
)
from accounts.tests.helpers import bearer, get_sessions, refresh

pytestmark = pytest.mark.django_db
ONE_DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def session_cache(settings):
    if settings.SESSION_STATE_REDIS_URL:
        yield  # the root conftest flushes the Redis database around each test
        return
    settings.CACHES = {
        **settings.CACHES,
        "session-state": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "state"},
    }
    settings.SESSION_STATE_CACHE = "session-state"
    caches["session-state"].clear()
    yield
    caches["session-state"].clear()


def authenticate(token):
    request = APIRequestFactory().get("/api/anything/", **bearer(token))
    return SessionJWTAuthentication().authenticate(request)


def test_second_request_costs_no_query(user, login, django_assert_num_queries):
    tokens = login(user)
    with django_assert_num_queries(1):
        authenticate(tokens["access"])
    with django_assert_num_queries(0):
        cached_user, _ = authenticate(tokens["access"])
    assert cached_user.pk == user.pk
    assert cached_user.email == user.email
    assert cached_user.is_authenticated


def test_cached_user_saves_only_what_it_loaded(user, login):
    tokens = login(user)
    authenticate(tokens["access"])
    cached_user, _ = authenticate(tokens["access"])
    cached_user.first_name = "Changed"
    cached_user.save()
    user.refresh_from_db()
    assert user.first_name == "Changed"
    assert user.check_password("a-long-enough-Passw0rd")  # the password was not overwritten


@pytest.mark.parametrize(
    "revoke",
    [
        lambda tokens, user: session_revoke(
            session_id=tokens["session"]["id"], user_id=user.pk, reason=RevokeReason.LOGOUT
        ),
        lambda tokens, user: sessions_revoke_of_users(user_ids=[user.pk], reason=RevokeReason.LOGOUT_ALL),
        lambda tokens, user: sessions_revoke_matching(
            queryset=user.device_sessions.all(), reason=RevokeReason.COMMAND
        ),
        lambda tokens, user: (user.set_password("a-brand-new-Passw0rd"), user.save()),
        lambda tokens, user: (setattr(user, "is_active", False), user.save()),
        lambda tokens, user: sessions_revoke_everybody(reason=RevokeReason.COMMAND),
    ],
    ids=["one", "all-of-user", "bulk", "password", "deactivate", "everybody (epoch)"],
)
def test_revocation_is_seen_at_once(api_client, user, login, revoke):
    tokens = login(user)
    assert get_sessions(api_client, tokens["access"]).status_code == 200  # fills the cache
    revoke(tokens, user)
    assert get_sessions(api_client, tokens["access"]).status_code == 401


def test_reuse_detection_is_seen_at_once(api_client, user, login):
    tokens = login(user)
    newest = refresh(api_client, tokens["refresh"]).json()
    assert get_sessions(api_client, newest["access"]).status_code == 200
    assert refresh(api_client, tokens["refresh"]).status_code == 401
    assert get_sessions(api_client, newest["access"]).status_code == 401


def test_other_users_stay_cached_after_a_revocation(user, login, django_assert_num_queries):
    from accounts.tests.factories import UserFactory

    other = UserFactory()
    theirs = login(other)
    mine = login(user)
    authenticate(theirs["access"])
    authenticate(mine["access"])
    sessions_revoke_of_users(user_ids=[user.pk], reason=RevokeReason.LOGOUT_ALL)
    with django_assert_num_queries(0):
        authenticate(theirs["access"])


def test_entry_filled_before_a_revocation_commit_is_not_served(user, login):
    """The race: a reader reads the database before the revocation commits, then writes the cache."""
    from accounts.sessions import session_cache as state

    tokens = login(user)
    session_id = tokens["session"]["id"]
    miss = state.lookup(session_id=session_id, user_id=user.pk)
    assert isinstance(miss, state.Miss)
    read_before = User.objects.get(pk=user.pk)
    # The revocation commits and rotates the versions...
    session_revoke(session_id=session_id, user_id=user.pk, reason=RevokeReason.LOGOUT)
    # ...and only then does the slow reader store what it read before.
    state.store(miss=miss, session_id=session_id, user=read_before, ends=read_before.date_joined + ONE_DAY)
    assert isinstance(state.lookup(session_id=session_id, user_id=user.pk), state.Miss)


def test_entry_round_trips_every_kept_field(user, login):
    from accounts.sessions import session_cache as state

    user.last_login = user.date_joined
    user.save()
    tokens = login(user)
    authenticate(tokens["access"])
    cached = state.lookup(session_id=tokens["session"]["id"], user_id=user.pk)
    fresh = User.objects.get(pk=user.pk)
    for name in state.USER_FIELDS:
        assert getattr(cached, name) == getattr(fresh, name), name


def test_profile_changes_are_not_served_stale(user, login):
    tokens = login(user)
    authenticate(tokens["access"])
    User.objects.get(pk=user.pk).save()  # any save through the model drops the entry
    refreshed = User.objects.get(pk=user.pk)
    refreshed.is_staff = True
    refreshed.save()
    cached_user, _ = authenticate(tokens["access"])
    assert cached_user.is_staff
