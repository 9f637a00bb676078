"""The rule "a session is live" is written once (DeviceSessionQuerySet); its SQL twin in
accounts/sessions/hot_sql.py, the instance's ``state_at`` and ``revocation``, and the complements must
agree on every state, revocation epochs (``revoke_sessions --all``) included."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import DeviceSession, RevocationEpoch, SessionState
from accounts.sessions import hot_sql
from accounts.tests.factories import DeviceSessionFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
CREATED = NOW - timedelta(days=1)  # every session of this module was created then
LIVE, EXPIRED, REVOKED = SessionState.LIVE, SessionState.EXPIRED, SessionState.REVOKED


def epoch(at, reason="command", settled=False):
    return {"revoked_at": at, "reason": reason, "settled_at": at + HOUR if settled else None}


# name: (fields of the session, epochs, user active, expected state, expected (revoked at, reason))
STATES = {
    "live": ({}, [], True, LIVE, None),
    "live, user inactive": ({}, [], False, LIVE, None),
    "revoked": (
        {"revoked_at": NOW - SECOND, "revoke_reason": "logout"},
        [],
        True,
        REVOKED,
        (NOW - SECOND, "logout"),
    ),
    "revoked in the future (clock skew)": (
        {"revoked_at": NOW + SECOND},
        [],
        True,
        REVOKED,
        (NOW + SECOND, ""),
    ),
    "idle expiry passed": ({"expires_at": NOW - SECOND}, [], True, EXPIRED, None),
    "idle expiry exactly now": ({"expires_at": NOW}, [], True, EXPIRED, None),
    "absolute lifetime passed": (
        {"absolute_expires_at": NOW - SECOND, "expires_at": NOW - SECOND},
        [],
        True,
        EXPIRED,
        None,
    ),
    "absolute lifetime exactly now": (
        {"absolute_expires_at": NOW, "expires_at": NOW},
        [],
        True,
        EXPIRED,
        None,
    ),
    "revoked and expired": (
        {"revoked_at": NOW - 2 * SECOND, "expires_at": NOW - SECOND},
        [],
        True,
        REVOKED,
        (NOW - 2 * SECOND, ""),
    ),
    # --- Revocation epochs: "every session created at or before T, and live then, is revoked at T".
    "epoch after its creation": ({}, [epoch(CREATED + HOUR)], True, REVOKED, (CREATED + HOUR, "command")),
    "epoch after its creation, user inactive": (
        {},
        [epoch(CREATED + HOUR)],
        False,
        REVOKED,
        (CREATED + HOUR, "command"),
    ),
    "epoch exactly at its creation": ({}, [epoch(CREATED)], True, REVOKED, (CREATED, "command")),
    "epoch just before its creation": ({}, [epoch(CREATED - SECOND)], True, LIVE, None),
    "epoch in the future (the revoking server's clock ahead)": (
        {},
        [epoch(NOW + HOUR)],
        True,
        REVOKED,
        (NOW + HOUR, "command"),
    ),
    "expired before the epoch": ({"expires_at": NOW - 2 * HOUR}, [epoch(NOW - HOUR)], True, EXPIRED, None),
    "expired exactly at the epoch": ({"expires_at": NOW - HOUR}, [epoch(NOW - HOUR)], True, EXPIRED, None),
    "expires before an epoch in the future": (
        {"expires_at": NOW + HOUR},
        [epoch(NOW + 2 * HOUR)],
        True,
        EXPIRED,
        None,
    ),
    "absolute lifetime over before the epoch": (
        {"absolute_expires_at": NOW - 2 * HOUR, "expires_at": NOW - 2 * HOUR},
        [epoch(NOW - HOUR)],
        True,
        EXPIRED,
        None,
    ),
    "two epochs: the earlier says when and why": (
        {},
        [epoch(CREATED + 2 * HOUR, "command"), epoch(CREATED + HOUR, "admin")],
        True,
        REVOKED,
        (CREATED + HOUR, "admin"),
    ),
    "two epochs, one before its creation": (
        {},
        [epoch(CREATED - HOUR, "admin"), epoch(CREATED + HOUR, "command")],
        True,
        REVOKED,
        (CREATED + HOUR, "command"),
    ),
    "epoch before its creation, expired before the next": (
        {"expires_at": NOW - 2 * HOUR},
        [epoch(CREATED - HOUR), epoch(NOW - HOUR)],
        True,
        EXPIRED,
        None,
    ),
    "revoked by its row before the epoch": (
        {"revoked_at": CREATED + HOUR, "revoke_reason": "logout"},
        [epoch(CREATED + 2 * HOUR)],
        True,
        REVOKED,
        (CREATED + HOUR, "logout"),
    ),
    "revoked by its row after the epoch (raced it)": (
        {"revoked_at": CREATED + 2 * HOUR, "revoke_reason": "logout"},
        [epoch(CREATED + HOUR)],
        True,
        REVOKED,
        (CREATED + 2 * HOUR, "logout"),
    ),
    # Settling wrote the epoch into the row: the row says it, the epoch is no longer read.
    "settled epoch": (
        {"revoked_at": CREATED + HOUR, "revoke_reason": "command"},
        [epoch(CREATED + HOUR, settled=True)],
        True,
        REVOKED,
        (CREATED + HOUR, "command"),
    ),
    "settled epoch, then an unsettled one": (
        {"revoked_at": CREATED + HOUR, "revoke_reason": "admin"},
        [epoch(CREATED + HOUR, "admin", settled=True), epoch(NOW - HOUR)],
        True,
        REVOKED,
        (CREATED + HOUR, "admin"),
    ),
    # What settling leaves out: a session that its server's clock dated before the epoch but
    # that reached the table only after settling (SETTLE_AFTER later). It was made after the
    # revocation, in truth; the rule no longer reads a settled epoch, so it is live.
    "settled epoch, not in a row added since": ({}, [epoch(CREATED + HOUR, settled=True)], True, LIVE, None),
}


@pytest.fixture
def session(request):
    fields, epochs, active, expected, revocation = STATES[request.param]
    session = DeviceSessionFactory(
        created_at=CREATED,
        last_used_at=CREATED,
        **{"expires_at": NOW + timedelta(days=1), "absolute_expires_at": NOW + timedelta(days=29), **fields},
    )
    RevocationEpoch.objects.bulk_create(RevocationEpoch(**each) for each in epochs)
    if not active:
        session.user.is_active = False
        session.user.save()
        # Keep the session's own state (deactivating revokes the user's sessions).
        DeviceSession.objects.filter(pk=session.pk).update(revoked_at=None, revoke_reason="")
        session.refresh_from_db()
    return session, active, expected, revocation


@pytest.mark.parametrize("session", list(STATES), indirect=True)
def test_every_statement_of_the_rule_agrees(session):
    session, active, expected, revocation = session
    assert session.state_at(NOW) == expected
    annotated = DeviceSession.objects.with_revocation().get(pk=session.pk)
    assert annotated.state_at(NOW) == expected  # from the annotation, not a query of its own
    for each in (session, annotated):
        assert each.revocation() == revocation
    assert (
        session.end_reason_at(NOW)
        == {
            LIVE: None,
            EXPIRED: "session_expired",
            REVOKED: revocation and (revocation[1] or "revoked"),
        }[expected]
    )

    def matches(queryset):
        return queryset.filter(pk=session.pk).exists()

    live = matches(DeviceSession.objects.live(NOW))
    assert live == (expected == LIVE)
    assert matches(DeviceSession.objects.ended(NOW)) == (not live)
    assert matches(DeviceSession.objects.expired(NOW)) == (expected == EXPIRED)
    assert matches(DeviceSession.objects.revoked()) == (expected == REVOKED)
    assert matches(DeviceSession.objects.unrevoked()) == (expected != REVOKED)
    for reason in ("command", "admin", "logout"):
        assert matches(DeviceSession.objects.revoked(reason=reason)) == (
            revocation is not None and revocation[1] == reason
        )
    if revocation is not None:
        assert matches(DeviceSession.objects.revoked(before=revocation[0] + SECOND))
        assert not matches(DeviceSession.objects.revoked(before=revocation[0]))

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
    assert (rotated is not None) == usable


def test_an_instance_looks_the_epoch_up_once_and_again_after_refresh_from_db(django_assert_num_queries):
    session = DeviceSessionFactory(created_at=CREATED, last_used_at=CREATED)
    with django_assert_num_queries(1):
        assert session.state_at(NOW) == LIVE
        assert session.state_at(NOW) == LIVE
    RevocationEpoch.objects.create(**epoch(NOW - HOUR))
    assert session.state_at(NOW) == LIVE  # what it read, as with any field of a loaded row
    session.refresh_from_db()
    assert session.state_at(NOW) == REVOKED
