"""SQL budgets of the hot paths: a refresh and an authenticated request."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIRequestFactory

from accounts.authentication import SessionJWTAuthentication
from accounts.tests.helpers import bearer, refresh

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

    from accounts import hot_sql
    from accounts.models import User

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
