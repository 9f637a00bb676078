"""revoke_sessions and prune_sessions: their output, their effect and how they query."""

import re
from datetime import timedelta

import pytest
from django.core.management import CommandError, load_command_class
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import DeviceSession, Revocation, RevocationEpoch, SecurityEvent
from accounts.tests.factories import DeviceSessionFactory, UserFactory
from accounts.tests.helpers import assert_alive, assert_dead, refresh, run, the_revocation_event

pytestmark = pytest.mark.django_db


def updates_of_sessions(queries):
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "accounts_devicesession"')]


@pytest.fixture
def other(db):
    return UserFactory()


# --- revoke_sessions ------------------------------------------------------------------------


def test_revoke_user_kills_its_tokens_at_once(api_client, user, other, login):
    laptop, phone = login(user, device_name="laptop"), login(user, device_name="phone")
    bystander = login(other)

    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_sessions", "--user", user.email.upper())

    assert f"Revoked 2 session(s) of {user.email}." in output
    assert "Revoked 2 session(s) in all." in output
    assert len(updates_of_sessions(queries)) == 1
    assert_dead(api_client, laptop)
    assert_dead(api_client, phone)
    assert_alive(api_client, bystander)
    event = the_revocation_event(user_id=user.pk, count=2, reason="command", source="command", actor=None)
    assert event.detail == {"criterion": "users", "user_ids": [user.pk]}


def test_revoke_several_users_is_one_update_and_one_event(api_client, user, other, login):
    mine, theirs = login(user), login(other)
    third = login(UserFactory())

    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_sessions", "--user", user.email, "--user", other.email)

    assert "Revoked 2 session(s) of" in output
    assert len(updates_of_sessions(queries)) == 1
    assert_dead(api_client, mine)
    assert_dead(api_client, theirs)
    assert_alive(api_client, third)
    event = the_revocation_event(count=2, user_id=None)  # several users: the criterion says which
    assert event.detail == {"criterion": "users", "user_ids": sorted([user.pk, other.pk])}


def test_revoke_all_is_one_epoch_row_whatever_the_number_of_sessions(api_client, user, other, login):
    everyone = [login(user), login(user), login(other)]
    DeviceSessionFactory(revoked_at=timezone.now() - timedelta(days=1))  # already revoked: not counted

    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_sessions", "--all")

    assert "Revoked 3 session(s) of every user." in output
    assert "Revoked 3 session(s) in all." in output
    assert updates_of_sessions(queries) == []  # no session row is written...
    epoch = RevocationEpoch.objects.get()  # ...but one epoch
    assert (epoch.reason, epoch.settled_at) == ("command", None)
    for tokens in everyone:
        assert_dead(api_client, tokens)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.count, event.source, event.reason, event.user_id) == (3, "command", "command", None)
    assert event.detail == {"criterion": "all", "epoch": epoch.pk}
    assert DeviceSession.objects.revoked(reason="command").count() == 3
    revoked = DeviceSession.objects.with_revocation().filter(pk__in=[t["session"]["id"] for t in everyone])
    assert {session.revocation() for session in revoked} == {Revocation(epoch.revoked_at, "command")}


def test_revoke_all_with_no_live_session_writes_nothing(user):
    DeviceSessionFactory(user=user, revoked_at=timezone.now())

    output = run("revoke_sessions", "--all")

    assert "Revoked 0 session(s) of every user." in output
    assert not RevocationEpoch.objects.exists()
    assert not SecurityEvent.objects.exists()


def test_sessions_created_after_revoke_all_live(api_client, user, login):
    before = login(user)
    run("revoke_sessions", "--all")
    after = login(user)

    assert_dead(api_client, before)
    assert_alive(api_client, after)
    assert refresh(api_client, after["refresh"]).status_code == 200
    assert "Revoked 1 session(s) of every user." in run("revoke_sessions", "--all")


def test_revoke_inactive_days(api_client, user, login):
    now = timezone.now()
    recent = login(user)
    stale = DeviceSessionFactory(
        user=user, created_at=now - timedelta(days=10), last_used_at=now - timedelta(days=5)
    )
    DeviceSessionFactory(user=user, created_at=now - timedelta(days=10), last_used_at=now - timedelta(days=2))

    output = run("revoke_sessions", "--inactive-days", "3")

    assert "Revoked 1 session(s) unused for 3 day(s) or more." in output
    stale.refresh_from_db()
    assert stale.revoke_reason == "command"
    assert DeviceSession.objects.filter(revoked_at__isnull=True).count() == 2
    assert_alive(api_client, recent)
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    assert (event.count, event.detail) == (1, {"criterion": "inactive_days", "days": 3})


def test_criteria_add_up_one_update_and_one_event_each(user, other):
    now = timezone.now()
    DeviceSessionFactory.create_batch(2, user=user)
    DeviceSessionFactory(
        user=other, created_at=now - timedelta(days=10), last_used_at=now - timedelta(days=5)
    )

    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_sessions", "--user", user.email, "--inactive-days", "3")

    assert "Revoked 3 session(s) in all." in output
    assert len(updates_of_sessions(queries)) == 2
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.SESSION_REVOKED).count() == 2


def test_dry_run_changes_nothing(api_client, user, other, login):
    tokens = login(user)
    DeviceSessionFactory(user=other)
    before = list(DeviceSession.objects.values_list("pk", "revoked_at", "refresh_jti").order_by("pk"))
    events = SecurityEvent.objects.count()

    with CaptureQueriesContext(connection) as queries:
        output = run("revoke_sessions", "--all", "--dry-run")
        output += run("revoke_sessions", "--user", user.email, "--inactive-days", "1", "--dry-run")

    assert "Would revoke 2 session(s) of every user." in output
    assert f"Would revoke 1 session(s) of {user.email}." in output
    assert "Would revoke 0 session(s) unused for 1 day(s) or more." in output
    assert "Would revoke 1 session(s) in all." in output
    assert not [q for q in queries if not q["sql"].startswith("SELECT")]
    assert list(DeviceSession.objects.values_list("pk", "revoked_at", "refresh_jti").order_by("pk")) == before
    assert SecurityEvent.objects.count() == events
    assert_alive(api_client, tokens)


def test_dry_run_counts_a_session_matching_two_criteria_once(user):
    now = timezone.now()
    DeviceSessionFactory(user=user, created_at=now - timedelta(days=10), last_used_at=now - timedelta(days=5))

    output = run("revoke_sessions", "--user", user.email, "--inactive-days", "3", "--dry-run")

    assert f"Would revoke 1 session(s) of {user.email}." in output
    assert "Would revoke 1 session(s) unused for 3 day(s) or more." in output
    assert "Would revoke 1 session(s) in all." in output


def test_unknown_email_is_an_error_and_revokes_nothing(user):
    DeviceSessionFactory(user=user)
    with pytest.raises(CommandError, match=re.escape("nobody@example.com")):
        run("revoke_sessions", "--user", user.email, "--user", "nobody@example.com")
    assert not DeviceSession.objects.filter(revoked_at__isnull=False).exists()
    assert not SecurityEvent.objects.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "Say which sessions to revoke"),
        (("--dry-run",), "Say which sessions to revoke"),
        (("--all", "--user", "a@example.com"), "give it alone"),
        (("--all", "--inactive-days", "3"), "give it alone"),
        (("--inactive-days", "0"), "at least 1"),
        (("--inactive-days", "soon"), "at least 1"),
    ],
)
def test_bad_criteria_are_errors(user, args, message):
    DeviceSessionFactory(user=user)
    with pytest.raises(CommandError, match=message):
        run("revoke_sessions", *args)
    assert not DeviceSession.objects.filter(revoked_at__isnull=False).exists()


@pytest.mark.parametrize("name", ["revoke_sessions", "prune_sessions"])
def test_every_argument_has_help(name):
    parser = load_command_class("accounts", name).create_parser("manage.py", name)
    own = [action for action in parser._actions if action.dest not in DJANGO_OPTIONS]
    assert len(own) >= 4
    assert all(action.help for action in own)


DJANGO_OPTIONS = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


# --- prune_sessions -------------------------------------------------------------------------


@pytest.fixture
def sessions_of_every_age(user):
    """Sessions in every state, named by what prune_sessions --older-than-days 30 must do."""
    now = timezone.now()
    day = timedelta(days=1)
    keep = [
        DeviceSessionFactory(user=user),  # live
        # Live, a day before its absolute expiry.
        DeviceSessionFactory(user=user, created_at=now - 29 * day, last_used_at=now),
        DeviceSessionFactory(user=user, created_at=now - 12 * day, revoked_at=now - 10 * day),
        DeviceSessionFactory(user=user, created_at=now - 12 * day),  # expired 5 days ago
    ]
    delete = [
        DeviceSessionFactory(user=user, created_at=now - 33 * day, revoked_at=now - 31 * day),
        DeviceSessionFactory(user=user, created_at=now - 45 * day),  # expired 38 days ago
        DeviceSessionFactory(user=user, created_at=now - 80 * day, revoked_at=now - 75 * day),
    ]
    return keep, delete


def test_prune_deletes_only_sessions_ended_long_ago(sessions_of_every_age):
    keep, delete = sessions_of_every_age

    output = run("prune_sessions")

    assert "Deleted 3 session(s) ended more than 30 day(s) ago." in output
    assert set(DeviceSession.objects.values_list("pk", flat=True)) == {s.pk for s in keep}
    assert not DeviceSession.objects.filter(pk__in=[s.pk for s in delete]).exists()


def test_prune_zero_days_never_touches_live_sessions(api_client, user, login, sessions_of_every_age):
    tokens = login(user)
    run("prune_sessions", "--older-than-days", "0")
    live = DeviceSession.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    assert DeviceSession.objects.count() == live.count() == 3
    assert_alive(api_client, tokens)
    assert refresh(api_client, tokens["refresh"]).status_code == 200


def test_prune_goes_in_batches(sessions_of_every_age):
    with CaptureQueriesContext(connection) as queries:
        output = run("prune_sessions", "--batch-size", "2", "--verbosity", "2")

    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "accounts_devicesession"')]
    assert len(deletes) == 2  # 3 rows: a batch of 2, then one of 1
    assert output.count("deleted a batch of") == 2
    assert DeviceSession.objects.count() == 4


def test_prune_deletes_events_past_their_retention(settings, user):
    settings.SECURITY_EVENT_RETENTION_DAYS = 90
    now = timezone.now()
    old = SecurityEvent.objects.create(type="login", user=user, created_at=now - timedelta(days=91))
    kept = SecurityEvent.objects.create(type="login", user=user, created_at=now - timedelta(days=89))

    output = run("prune_sessions")

    assert "Deleted 1 security event(s) older than 90 day(s)." in output
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not SecurityEvent.objects.filter(pk=old.pk).exists()
    assert "Deleted 0 security event(s)" in run("prune_sessions", "--events-older-than-days", "100")


def test_prune_dry_run_deletes_nothing(sessions_of_every_age, user):
    SecurityEvent.objects.create(type="login", user=user, created_at=timezone.now() - timedelta(days=400))
    sessions, events = DeviceSession.objects.count(), SecurityEvent.objects.count()

    output = run("prune_sessions", "--dry-run")

    assert "Would delete 3 session(s) ended more than 30 day(s) ago." in output
    assert "Would delete 1 security event(s) older than 365 day(s)." in output
    assert (DeviceSession.objects.count(), SecurityEvent.objects.count()) == (sessions, events)


@pytest.mark.parametrize("args", [("--older-than-days", "-1"), ("--batch-size", "0")])
def test_prune_rejects_bad_numbers(args):
    with pytest.raises(CommandError):
        run("prune_sessions", *args)
