"""SQL budgets of the hot paths (a refresh, an authenticated request) and of opening a session."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient, APIRequestFactory

from accounts.authentication import SessionJWTAuthentication
from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import bearer, change_password, refresh

pytestmark = pytest.mark.django_db

TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def authenticate(token):
    request = APIRequestFactory().get("/api/anything/", **bearer(token))
    return SessionJWTAuthentication().authenticate(request)


def test_refresh_is_one_statement(api_client, user, login, django_assert_num_queries):
    tokens = login(user)
    with django_assert_num_queries(1) as captured:
        assert refresh(api_client, tokens["refresh"]).status_code == 200
    assert captured.captured_queries[0]["sql"].startswith("UPDATE")


def test_authentication_is_at_most_one_query(user, login, django_assert_max_num_queries, settings):
    tokens = login(user)
    with django_assert_max_num_queries(1):
        authenticated_user, token = authenticate(tokens["access"])
    assert authenticated_user == user
    assert token["sid"] == tokens["session"]["id"]


def test_authenticated_list_request_budget(api_client, user, login, django_assert_num_queries):
    tokens = login(user)
    # authentication + the page's COUNT + the page itself
    with django_assert_num_queries(3):
        assert api_client.get("/api/auth/sessions/", **bearer(tokens["access"])).status_code == 200


def test_reuse_detection_stays_bounded(api_client, user, login):
    tokens = login(user)
    refresh(api_client, tokens["refresh"])
    with CaptureQueriesContext(connection) as captured:
        assert refresh(api_client, tokens["refresh"]).status_code == 401
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    work = [verb for verb in statements if verb not in TRANSACTION_CONTROL]
    # the missed UPDATE, the SELECT that explains it, the revoking UPDATE and three events
    # (the reuse, the revocation, and the user told of it: the mail itself goes after the commit)
    assert work == ["UPDATE", "SELECT", "INSERT", "UPDATE", "INSERT", "INSERT"]


def test_hand_written_authentication_query_builds_the_same_user_as_the_orm(user, login):
    from django.utils import timezone

    from accounts.models import User
    from accounts.sessions import hot_sql

    user.last_login = timezone.now()
    user.is_staff = True
    user.save()
    tokens = login(user)
    built, ends, last_used_at = hot_sql.live_session_user(
        session_id=tokens["session"]["id"], user_id=user.pk, now=timezone.now()
    )
    session = user.device_sessions.get()
    assert ends == min(session.expires_at, session.absolute_expires_at)
    assert last_used_at == session.last_used_at
    loaded = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(loaded, field.attname), field.name
    assert built.last_login.tzinfo is not None
    assert built._state.adding is False and built._state.db == "default"


def work_of(captured):
    """Return the verbs of the captured statements, transaction control left out."""
    verbs = [q["sql"].split()[0] for q in captured.captured_queries]
    return [verb for verb in verbs if verb not in TRANSACTION_CONTROL]


@pytest.mark.parametrize("cap", [0, 3])
def test_login_locks_and_checks_the_user_row_in_its_last_login_update(
    cap, api_client, user, settings, django_assert_max_num_queries
):
    # The UPDATE that records the login is also the row lock (the only one, the session cap's
    # included) and the check that the password is still the one that authenticated.
    settings.SESSION_MAX_PER_USER = cap
    settings.AUTH_THROTTLE_RATE = "none"  # the database cache's counters are not the login's work
    with django_assert_max_num_queries(8 if cap else 7) as captured:
        response = api_client.post(
            "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json"
        )
    assert response.status_code == 200
    # authentication, the lock, "is this a new device?", (the cap's count,) the session, and one
    # event (the user's first device is a new one: the login event says so, no second row)
    assert work_of(captured) == [
        "SELECT",
        "UPDATE",
        "SELECT",
        *(["SELECT"] * bool(cap)),
        "INSERT",
        "INSERT",
    ]
    assert not any("FOR UPDATE" in q["sql"] for q in captured.captured_queries)


@pytest.mark.parametrize("cap", [0, 3])
def test_password_change_locks_the_user_row_once(cap, user, login, settings, django_assert_max_num_queries):
    settings.SESSION_MAX_PER_USER = cap
    settings.AUTH_THROTTLE_RATE = "none"
    tokens = login(user)
    client = APIClient()
    with django_assert_max_num_queries(15 if cap else 14) as captured:
        response = change_password(client, tokens["access"], "a-new-Passw0rd-here")
    assert response.status_code == 200
    locks = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == (1 if connection.vendor == "postgresql" else 0)
