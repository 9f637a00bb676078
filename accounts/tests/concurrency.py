"""Concurrency tests on PostgreSQL: requests released together from threads, one connection each."""

import threading

import pytest
from django.db import connection, connections
from psycopg.conninfo import make_conninfo
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory

# The module marks of a concurrency test: SQLite serialises writers, so only PostgreSQL shows a race.
ON_POSTGRESQL = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
    ),
]

_UNFINISHED = object()


def all_at_once(count, call):
    """Run ``call(index)`` in ``count`` threads released at the same moment; return the results in order.

    Each thread closes its own database connection when done, and every thread must finish.
    """
    barrier = threading.Barrier(count)
    results = [_UNFINISHED] * count

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = call(index)
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(result is not _UNFINISHED for result in results), "a worker did not finish"
    return results


def login_once():
    """Log a new user in once; return the login response's body (tokens, session, user)."""
    user = UserFactory()
    response = APIClient().post(
        "/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    return response.json()


def database_conninfo():
    """Return libpq's conninfo of the test database, for connections of a test's own (testing.faults)."""
    params = connection.settings_dict
    fields = {"dbname": "NAME", "host": "HOST", "port": "PORT", "user": "USER", "password": "PASSWORD"}
    return make_conninfo(**{key: params[name] for key, name in fields.items() if params[name]})
