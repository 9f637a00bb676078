"""DB_STATEMENT_TIMEOUT_SECONDS in-process, on PostgreSQL: a request blocked on a lock is cancelled and answered 503.

The lock is real: another connection holds a row (``SELECT ... FOR UPDATE``) in an open
transaction. The process is bounded at 0.5 s as config/wsgi.py bounds a server's (``common.db``); the
same against a real gunicorn server, and a management command left unbounded, are in
tests_cross_process/test_statement_timeout.py.
"""

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from rest_framework.test import APIClient

from accounts.models import DeviceSession
from accounts.tests.concurrency import ON_POSTGRESQL, database_conninfo
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.helpers import bearer, refresh
from common import db, outages
from testing.faults import lock_held

pytestmark = ON_POSTGRESQL


def show(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def log_in(user):
    return APIClient().post("/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")


def assert_unavailable(response):
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "service_unavailable" and body["detail"]


def user_row_locked(user):
    return lock_held(database_conninfo(), "SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE", [user.pk])


def test_a_server_connection_carries_the_bound_and_a_command_connection_none(statements_bounded, settings):
    assert show("statement_timeout") == "500ms"
    assert show("lock_timeout") == "500ms"
    db._requests_bounded = False  # as in a management command's process
    connection.close()
    assert show("statement_timeout") == "0"
    assert show("lock_timeout") == "0"


def test_zero_turns_the_bound_off(statements_bounded, settings):
    settings.DB_STATEMENT_TIMEOUT_SECONDS = 0
    connection.close()
    assert show("statement_timeout") == "0"


def test_a_login_blocked_on_the_user_row_is_503_and_works_once_the_row_is_free(statements_bounded, caplog):
    user, other = UserFactory(), UserFactory()
    with user_row_locked(user):
        assert_unavailable(log_in(user))
        # Told as a cancelled statement (a WARNING), not as the beginning of a database outage.
        told = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "common.outages"]
        assert len(told) == 1 and told[0][0] == "WARNING"
        assert told[0][1].startswith("1 statements cancelled past DB_STATEMENT_TIMEOUT_SECONDS")
        assert "canceling statement due to" in told[0][1]
        assert not outages.database.active
        # The connection that met the cancel serves the next request as it is, the health check too.
        before = connection.connection
        assert log_in(other).status_code == 200
        assert APIClient().get("/api/health/").status_code == 200
        assert connection.connection is before
        assert not DeviceSession.objects.filter(user=user).exists()
    assert log_in(user).status_code == 200


def test_a_refresh_blocked_on_its_session_row_is_503_and_loses_nothing(statements_bounded):
    user = UserFactory()
    tokens = log_in(user).json()
    client = APIClient()
    session_row = "SELECT 1 FROM accounts_devicesession WHERE id = %s FOR UPDATE"
    with lock_held(database_conninfo(), session_row, [tokens["session"]["id"]]):
        assert_unavailable(refresh(client, tokens["refresh"]))
        # An authenticated request only reads the row: it is not held up.
        assert client.get("/api/users/me/", **bearer(tokens["access"])).status_code == 200
    # The cancelled rotation did not happen: the same refresh token is still the live one.
    response = refresh(client, tokens["refresh"])
    assert response.status_code == 200
    assert refresh(client, response.json()["refresh"]).status_code == 200


def test_a_page_outside_the_api_blocked_on_a_table_lock_is_a_503_page(statements_bounded, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    admin = UserFactory(is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_login(admin)
    with lock_held(database_conninfo(), "LOCK TABLE accounts_user IN ACCESS EXCLUSIVE MODE"):
        response = client.get("/admin/accounts/user/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert client.get("/admin/accounts/user/").status_code == 200


def test_cancelled_statements_are_told_apart_from_other_database_errors(statements_bounded):
    user = UserFactory()
    with user_row_locked(user):
        with pytest.raises(OperationalError) as waited, connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE", [user.pk])
        with pytest.raises(OperationalError) as refused, connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT", [user.pk])
    with pytest.raises(OperationalError) as slow, connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")
    assert all(db.statement_cancelled(exc.value) for exc in (waited, refused, slow))
    # An outage is an OperationalError too, not a cancelled statement: the server ends the connection.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg.connect(database_conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(OperationalError) as ended, connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert not db.statement_cancelled(ended.value)
    connection.close()


def test_a_block_with_its_own_bound_gives_the_connection_s_back_also_inside_a_transaction(statements_bounded):
    with transaction.atomic():
        with db.statement_timeout(3):
            assert (show("statement_timeout"), show("lock_timeout")) == ("3s", "3s")
        assert (show("statement_timeout"), show("lock_timeout")) == ("500ms", "500ms")
        with pytest.raises(OperationalError), db.statement_timeout(0.1), connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(5)")
        assert show("statement_timeout") == "500ms"
