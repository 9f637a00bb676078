"""The rule "a session is live" is written once (DeviceSessionQuerySet); its SQL twin in
accounts/hot_sql.py, the instance's ``state_at`` and the complements must agree on every state."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import hot_sql
from accounts.models import DeviceSession, SessionState
from accounts.tests.factories import DeviceSessionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SECOND = timedelta(seconds=1)

# name: (fields of the session, user active, expected state)
STATES = {
    "live": ({}, True, SessionState.LIVE),
    "live, user inactive": ({}, False, SessionState.LIVE),
    "revoked": ({"revoked_at": NOW - SECOND}, True, SessionState.REVOKED),
    "revoked in the future (clock skew)": ({"revoked_at": NOW + SECOND}, True, SessionState.REVOKED),
    "idle expiry passed": ({"expires_at": NOW - SECOND}, True, SessionState.EXPIRED),
    "idle expiry exactly now": ({"expires_at": NOW}, True, SessionState.EXPIRED),
    "absolute lifetime passed": (
        {"absolute_expires_at": NOW - SECOND, "expires_at": NOW - SECOND},
        True,
        SessionState.EXPIRED,
    ),
    "absolute lifetime exactly now": (
        {"absolute_expires_at": NOW, "expires_at": NOW},
        True,
        SessionState.EXPIRED,
    ),
    "revoked and expired": (
        {"revoked_at": NOW - 2 * SECOND, "expires_at": NOW - SECOND},
        True,
        SessionState.REVOKED,
    ),
}


@pytest.fixture
def session(request):
    fields, active, expected = STATES[request.param]
    created = NOW - timedelta(days=1)
    session = DeviceSessionFactory(
        created_at=created,
        last_used_at=created,
        **{"expires_at": NOW + timedelta(days=1), "absolute_expires_at": NOW + timedelta(days=29), **fields},
    )
    if not active:
        session.user.is_active = False
        session.user.save()
        DeviceSession.objects.filter(pk=session.pk).update(revoked_at=None)  # keep the session's own state
        session.refresh_from_db()
    return session, active, expected


@pytest.mark.parametrize("session", list(STATES), indirect=True)
def test_every_statement_of_the_rule_agrees(session):
    session, active, expected = session
    assert session.state_at(NOW) == expected

    live = DeviceSession.objects.live(NOW).filter(pk=session.pk).exists()
    ended = DeviceSession.objects.ended(NOW).filter(pk=session.pk).exists()
    expired = DeviceSession.objects.expired(NOW).filter(pk=session.pk).exists()
    revoked = DeviceSession.objects.revoked().filter(pk=session.pk).exists()
    assert live == (expected == SessionState.LIVE)
    assert ended == (not live)
    assert (expired, revoked) == (expected == SessionState.EXPIRED, expected == SessionState.REVOKED)

    # The SQL twins: the authentication join and the rotation's condition.
    usable = live and active
    found = hot_sql.live_session_user(session_id=session.pk, user_id=session.user_id, now=NOW)
    assert (found is not None) == usable
    rotated = hot_sql.session_rotate(
        session_id=session.pk,
        user_id=session.user_id,
        jti=session.refresh_jti,
        new_jti=uuid.uuid4().hex,
        now=NOW,
        expires_at=NOW + timedelta(days=7),
    )
    assert rotated == usable
