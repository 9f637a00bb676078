"""The PostgreSQL backend's health check (common/db/postgresql): a socket read, not a query.

Real faults: the connection's server process is ended with ``pg_terminate_backend`` from another
connection, as a restart or an idle timeout would end it.
"""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.models import User
from accounts.sessions import hot_sql
from accounts.tests.factories import DeviceSessionFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
    ),
    pytest.mark.django_db(transaction=True),
]


def terminate(pid):
    """End the server process ``pid`` from a connection of our own, and wait until it is gone."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still running")


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_the_backend_is_ours():
    assert settings.DATABASES["default"]["ENGINE"] == "common.db.postgresql"
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_a_working_idle_connection_is_usable_without_a_statement(tmp_path):
    backend_pid()
    trace = tmp_path / "libpq.trace"
    with open(trace, "w") as out:
        connection.connection.pgconn.trace(out.fileno())
        try:
            assert connection.is_usable()
        finally:
            connection.connection.pgconn.untrace()
    # libpq writes every message it sends or receives to the trace: the check sent none.
    assert trace.read_text() == ""


def test_a_connection_the_server_ended_is_unusable_and_replaced():
    old_pid = backend_pid()
    terminate(old_pid)
    assert connection.is_usable() is False

    # What the next request does: the check fails, the connection is closed and opened again,
    # and the query runs (without the check it would fail with "terminating connection").
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    User.objects.create_user(email="after@example.com", password="x-long-enough-1")
    assert User.objects.filter(email="after@example.com").exists()
    assert backend_pid() != old_pid


def test_inside_a_transaction_the_server_is_asked():
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        try:
            assert connection.is_usable()
            terminate(backend_pid())
            assert connection.is_usable() is False
        finally:
            connection.close()


def test_a_closed_connection_is_unusable():
    backend_pid()
    connection.connection.close()
    assert connection.is_usable() is False
    connection.close()


def prepared():
    """Return the statements prepared on this connection that read the sessions table."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if "accounts_devicesession" in row[0]]


def test_the_hot_statements_are_prepared_once_per_connection(user):
    session = DeviceSessionFactory(user=user)
    assert prepared() == []
    for _ in range(3):  # prepared from the second run on
        found = hot_sql.live_session_user(session_id=session.pk, user_id=user.pk, now=timezone.now())
        assert found is not None and found[0] == user
    statements = prepared()
    assert len(statements) == 1 and "$1" in statements[0]
    # Still correct when prepared: an ended session is not found.
    session.revoked_at = timezone.now()
    session.save()
    assert hot_sql.live_session_user(session_id=session.pk, user_id=user.pk, now=timezone.now()) is None


def test_preparing_can_be_turned_off(user):
    # What DB_PREPARED_STATEMENTS=false sets (config/settings.py), for a pooler without them.
    session = DeviceSessionFactory(user=user)
    connection.close()
    connection.settings_dict["OPTIONS"]["prepare_threshold"] = None
    try:
        for _ in range(3):
            assert hot_sql.live_session_user(session_id=session.pk, user_id=user.pk, now=timezone.now())
        assert prepared() == []
    finally:
        del connection.settings_dict["OPTIONS"]["prepare_threshold"]
        connection.close()


def test_recorded_queries_show_a_prepared_statement_with_its_values(user, django_assert_num_queries):
    session = DeviceSessionFactory(user=user)
    with django_assert_num_queries(1) as captured:
        hot_sql.live_session_user(session_id=session.pk, user_id=user.pk, now=timezone.now())
    assert session.pk.hex in captured.captured_queries[0]["sql"]
