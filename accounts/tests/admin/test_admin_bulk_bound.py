"""The admin's bulk revocations under their own statement bound (DB_ADMIN_STATEMENT_TIMEOUT_SECONDS), on PostgreSQL.

Requests are bounded at 0.5 s (``statements_bounded``); another connection holds a session's
row, so the revocation's UPDATE waits on a real lock.
"""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connections

from accounts.models import DeviceSession, SecurityEvent
from accounts.tests.admin.test_admin import SESSIONS, USERS, csrf_client, post_action
from accounts.tests.concurrency import ON_POSTGRESQL, database_conninfo
from accounts.tests.factories import DeviceSessionFactory, UserFactory
from testing.faults import lock_held, lock_waiters
from testing.servers import wait_until

pytestmark = ON_POSTGRESQL

SESSION_ROW = "SELECT 1 FROM accounts_devicesession WHERE id = %s FOR UPDATE"


def run_action(admin, session, by_user):
    """Revoke ``session`` by the sessions list's action or the users list's; return the response."""
    if by_user:
        return post_action(admin, USERS, "revoke_all_sessions", [session.user_id])
    return post_action(admin, SESSIONS, "revoke_selected", [session.pk])


@pytest.mark.parametrize("by_user", [False, True], ids=["selected sessions", "users"])
def test_a_bulk_revocation_may_wait_past_the_request_bound(statements_bounded, by_user):
    admin = csrf_client(UserFactory(is_staff=True, is_superuser=True))
    session = DeviceSessionFactory()
    answers = []

    def revoke():
        try:
            answers.append(run_action(admin, session, by_user))
        finally:
            connections.close_all()

    with lock_held(database_conninfo(), SESSION_ROW, [session.pk]):
        thread = threading.Thread(target=revoke)
        thread.start()
        # Waiting, and for longer than any request may: only then let it have the row.
        wait_until(
            lambda: lock_waiters(database_conninfo(), longer_than=3 * statements_bounded), 30, "a long wait"
        )
    thread.join(30)
    assert not thread.is_alive()
    (response,) = answers
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Revoked 1 session(s)."]
    assert DeviceSession.objects.get(pk=session.pk).revoked_at is not None


@pytest.mark.parametrize("by_user", [False, True], ids=["selected sessions", "users"])
def test_a_bulk_revocation_past_its_own_bound_is_undone_and_the_admin_told(
    statements_bounded, settings, by_user
):
    settings.DB_ADMIN_STATEMENT_TIMEOUT_SECONDS = 1
    admin = csrf_client(UserFactory(is_staff=True, is_superuser=True))
    session = DeviceSessionFactory()
    with lock_held(database_conninfo(), SESSION_ROW, [session.pk]):
        response = run_action(admin, session, by_user)
    assert response.status_code == 302  # back to the list, not an error page
    (message,) = get_messages(response.wsgi_request)
    assert message.level_tag == "error"
    assert str(message).startswith("Revoking took longer than 1 s and was undone: no session was revoked.")
    assert DeviceSession.objects.get(pk=session.pk).revoked_at is None
    assert not SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).exists()
    assert run_action(admin, session, by_user).status_code == 302
    assert DeviceSession.objects.get(pk=session.pk).revoked_at is not None
