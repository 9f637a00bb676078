"""Revoking every session with one epoch row, and settling it into the sessions' rows later."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import events
from accounts.models import DeviceSession, RevocationEpoch, RevokeReason, SecurityEvent
from accounts.sessions import hot_sql, selectors
from accounts.sessions.housekeeping import SETTLE_AFTER, SettledEpoch, revocation_epochs_settle
from accounts.sessions.revocation import (
    session_revoke,
    sessions_revoke_everybody,
    sessions_revoke_matching,
    sessions_revoke_of_users,
)
from accounts.tests.factories import DeviceSessionFactory, UserFactory
from accounts.tests.helpers import assert_alive, assert_dead, bearer, run

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NOW_SETTLE = timedelta(0)  # settle at once, not SETTLE_AFTER after the epoch


@pytest.fixture
def sessions_of_every_kind(user):
    """Sessions in every state an epoch meets, by name; the epoch comes after all of them."""
    now = timezone.now()
    return {
        "live": DeviceSessionFactory(user=user),
        "live, other user": DeviceSessionFactory(),
        "live, old": DeviceSessionFactory(user=user, created_at=now - 20 * DAY, last_used_at=now - DAY),
        "revoked before": DeviceSessionFactory(user=user, revoked_at=now - HOUR, revoke_reason="logout"),
        "expired before": DeviceSessionFactory(user=user, created_at=now - 10 * DAY),
    }


def everything_said(sessions):
    """Return what every read says of ``sessions``: the rule's sets, each session's state and revocation, the hot path."""
    now = timezone.now()
    ids = {session.pk: name for name, session in sessions.items()}

    def names(queryset):
        return sorted(ids[pk] for pk in queryset.filter(pk__in=ids).values_list("pk", flat=True))

    said = {
        "live (set)": names(DeviceSession.objects.live(now)),
        "expired (set)": names(DeviceSession.objects.expired(now)),
        "revoked (set)": names(DeviceSession.objects.revoked()),
        "ended (set)": names(DeviceSession.objects.ended(now)),
        "unrevoked (set)": names(DeviceSession.objects.unrevoked()),
        "revoked for command (set)": names(DeviceSession.objects.revoked(reason="command")),
        "revoked for logout (set)": names(DeviceSession.objects.revoked(reason="logout")),
        "revoked over 2 hours ago (set)": names(DeviceSession.objects.revoked(before=now - 2 * HOUR)),
        "prunable (set)": names(selectors.sessions_prunable(before=now)),
    }
    for session in DeviceSession.objects.with_revocation().filter(pk__in=ids):
        fresh = DeviceSession.objects.get(pk=session.pk)  # no annotation: looks the epoch up itself
        said[ids[session.pk]] = (
            session.state_at(now),
            session.revocation(),
            fresh.state_at(now),
            fresh.revocation(),
            fresh.end_reason_at(now),
            hot_sql.live_session_user(session_id=session.pk, user_id=session.user_id, now=now) is not None,
        )
    return said


def test_revoke_everybody_writes_one_epoch_and_one_event(sessions_of_every_kind):
    with CaptureQueriesContext(connection) as queries, events.acting_as(None, "command"):
        count = sessions_revoke_everybody(reason=RevokeReason.COMMAND, criterion="all")

    assert count == 3
    writes = [
        q["sql"].split()[0] for q in queries if not q["sql"].startswith(("SELECT", "SAVEPOINT", "RELEASE"))
    ]
    assert writes == ["INSERT", "INSERT"]  # the epoch and the event: no session row
    epoch = RevocationEpoch.objects.get()
    event = SecurityEvent.objects.get()
    assert (event.type, event.count, event.reason, event.source, event.detail) == (
        "session_revoked",
        3,
        "command",
        "command",
        {"criterion": "all", "epoch": epoch.pk},
    )
    assert abs(event.created_at - epoch.revoked_at) < timedelta(seconds=1)
    said = everything_said(sessions_of_every_kind)
    assert said["revoked (set)"] == ["live", "live, old", "live, other user", "revoked before"]
    assert said["live (set)"] == []
    assert said["expired (set)"] == ["expired before"]
    assert said["live"][1] == (epoch.revoked_at, "command")


def test_every_read_says_the_same_before_and_after_settling(sessions_of_every_kind):
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    unsettled = everything_said(sessions_of_every_kind)

    settled = revocation_epochs_settle(older_than=NOW_SETTLE)

    assert [each.sessions for each in settled] == [3]
    assert everything_said(sessions_of_every_kind) == unsettled
    assert RevocationEpoch.objects.get().settled_at is not None


def test_settling_writes_the_epoch_into_the_rows_it_revoked_in_batches(sessions_of_every_kind):
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    epoch = RevocationEpoch.objects.get()
    after = DeviceSessionFactory()  # created after the epoch: live, not touched
    batches = []

    with CaptureQueriesContext(connection) as queries:
        settled = revocation_epochs_settle(older_than=NOW_SETTLE, batch_size=2, on_batch=batches.append)

    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_devicesession"')]
    assert (len(updates), batches) == (2, [2, 1])
    assert settled == [SettledEpoch(epoch=epoch, sessions=3)]
    rows = {
        name: DeviceSession.objects.values_list("revoked_at", "revoke_reason").get(pk=session.pk)
        for name, session in sessions_of_every_kind.items()
    }
    for name in ("live", "live, old", "live, other user"):
        assert rows[name] == (epoch.revoked_at, "command")
    assert rows["revoked before"][1] == "logout"  # its own revocation stands
    assert rows["expired before"] == (None, "")
    assert DeviceSession.objects.live(timezone.now()).get() == after
    assert revocation_epochs_settle(older_than=NOW_SETTLE) == []  # nothing left


def test_settling_waits_until_the_epoch_is_old_enough(user):
    DeviceSessionFactory(user=user, created_at=timezone.now() - DAY)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)

    assert revocation_epochs_settle() == []  # SETTLE_AFTER has not passed
    RevocationEpoch.objects.update(revoked_at=timezone.now() - SETTLE_AFTER)
    assert [each.sessions for each in revocation_epochs_settle()] == [1]


def test_the_earlier_of_two_epochs_is_written(user):
    now = timezone.now()
    session = DeviceSessionFactory(user=user, created_at=now - 2 * DAY)
    RevocationEpoch.objects.create(revoked_at=now - HOUR, reason="command")
    RevocationEpoch.objects.create(revoked_at=now - DAY, reason="admin")

    settled = revocation_epochs_settle(older_than=NOW_SETTLE)

    assert [(each.epoch.reason, each.sessions) for each in settled] == [("admin", 1), ("command", 0)]
    session.refresh_from_db()
    assert (session.revoked_at, session.revoke_reason) == (now - DAY, "admin")


@pytest.mark.parametrize(
    "revoke",
    [
        lambda session: session_revoke(
            session_id=session.pk, user_id=session.user_id, reason=RevokeReason.LOGOUT
        ),
        lambda session: sessions_revoke_of_users(user_ids=[session.user_id], reason=RevokeReason.LOGOUT_ALL),
        lambda session: sessions_revoke_matching(
            queryset=DeviceSession.objects.all(), reason=RevokeReason.ADMIN
        ),
        lambda session: sessions_revoke_everybody(reason=RevokeReason.ADMIN),
    ],
    ids=["one", "of users", "matching", "everybody"],
)
def test_a_session_an_epoch_revoked_is_not_revoked_again(user, revoke):
    session = DeviceSessionFactory(user=user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    epoch = RevocationEpoch.objects.get()

    assert not revoke(session)

    assert DeviceSession.objects.with_revocation().get(pk=session.pk).revocation() == (
        epoch.revoked_at,
        "command",
    )
    assert SecurityEvent.objects.count() == 1  # the epoch's own
    assert RevocationEpoch.objects.count() == 1


def test_logout_of_a_session_an_epoch_revoked_is_a_401(api_client, user, login):
    tokens = login(user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)

    response = api_client.post("/api/auth/logout/", **bearer(tokens["refresh"]))

    assert response.status_code == 401
    assert_dead(api_client, tokens)


def test_password_change_after_an_epoch_revokes_only_the_new_sessions(api_client, user, login):
    old = login(user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)
    new = login(user)
    assert_alive(api_client, new)

    user.set_password("a-brand-new-Passw0rd")
    user.save()

    assert_dead(api_client, new)
    reasons = dict(
        (str(session.pk), session.revocation().reason) for session in DeviceSession.objects.with_revocation()
    )
    assert reasons == {old["session"]["id"]: "command", new["session"]["id"]: "password_changed"}


def test_prune_settles_first_then_deletes_what_an_epoch_revoked_long_ago(user):
    """The session expired 25 days ago, but an epoch revoked it 31 days ago: prunable after 30 days."""
    now = timezone.now()
    session = DeviceSessionFactory(user=user, created_at=now - 32 * DAY, last_used_at=now - 32 * DAY + HOUR)
    assert session.expires_at > now - 30 * DAY
    RevocationEpoch.objects.create(revoked_at=now - 31 * DAY, reason="command")
    kept = DeviceSessionFactory(user=user)

    dry = run("prune_sessions", "--dry-run")
    assert "Would settle the revocation of every session at " in dry
    assert "(command): write it into 1 session(s)." in dry
    assert "Would delete 1 session(s) ended more than 30 day(s) ago." in dry
    assert RevocationEpoch.objects.get().settled_at is None

    output = run("prune_sessions")

    assert "(command): wrote it into 1 session(s)." in output
    assert "Deleted 1 session(s) ended more than 30 day(s) ago." in output
    assert list(DeviceSession.objects.all()) == [kept]
    assert RevocationEpoch.objects.get().settled_at is not None
    assert "No revocation of every session to settle." in run("prune_sessions")


def test_prune_leaves_a_young_epoch_for_a_later_run(api_client, user, login):
    tokens = login(user)
    sessions_revoke_everybody(reason=RevokeReason.COMMAND)

    assert "Would leave the revocation of every session at " in run("prune_sessions", "--dry-run")
    output = run("prune_sessions")

    assert "unsettled: it is settled once 10 minutes old" in output
    assert RevocationEpoch.objects.get().settled_at is None
    assert_dead(api_client, tokens)


def test_revoke_everybody_counts_only_the_live(user):
    now = timezone.now()
    DeviceSessionFactory.create_batch(2, user=user)
    DeviceSessionFactory(user=UserFactory(), created_at=now - 10 * DAY)  # expired
    DeviceSessionFactory(user=user, revoked_at=now)

    assert sessions_revoke_everybody(reason=RevokeReason.COMMAND) == 2
    assert sessions_revoke_everybody(reason=RevokeReason.COMMAND) == 0  # nothing live is left
    assert RevocationEpoch.objects.count() == 1


def test_a_session_dated_after_the_epoch_is_neither_revoked_nor_counted(user):
    """Its server's clock ran ahead of the command's: the epoch does not cover it, and says so."""
    now = timezone.now()
    DeviceSessionFactory(user=user)
    ahead = DeviceSessionFactory(user=user, created_at=now + HOUR)

    assert "Would revoke 1 session(s) of every user." in run("revoke_sessions", "--all", "--dry-run")
    assert "Revoked 1 session(s) of every user." in run("revoke_sessions", "--all")
    assert list(DeviceSession.objects.live(now + 2 * HOUR).filter(user=user)) == [ahead]
