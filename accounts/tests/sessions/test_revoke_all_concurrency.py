"""revoke_sessions --all while sessions refresh and authenticate, on PostgreSQL with real connections."""

import io
import threading
import time

from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import DeviceSession, RevocationEpoch, SecurityEvent
from accounts.tests.concurrency import ON_POSTGRESQL, all_at_once, login_once
from accounts.tests.helpers import get_sessions, refresh

pytestmark = ON_POSTGRESQL

THREADS = 8
DEADLINE_SECONDS = 30


def test_nothing_created_before_the_epoch_works_once_it_commits(settings):
    """Threads refresh and authenticate in a loop; one runs --all. Every call that starts after
    the command returned (its transaction committed) must be refused, on every session."""
    settings.AUTH_THROTTLE_RATE = "none"
    sessions = [login_once() for _ in range(THREADS)]
    committed = threading.Event()

    def revoke_everybody():
        time.sleep(0.2)  # let the refreshes get going first
        out = io.StringIO()
        call_command("revoke_sessions", "--all", stdout=out)
        committed.set()
        return out.getvalue()

    def refresh_until_refused(index):
        client, tokens = APIClient(), sessions[index]
        before, late = 0, []  # calls started before the commit that succeeded; every call started after it
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            after = committed.is_set()
            response = refresh(client, tokens["refresh"])
            if response.status_code == 200:
                tokens = response.json()
                before += not after
            after_auth = committed.is_set()
            authenticated = get_sessions(client, tokens["access"]).status_code
            if after:
                late.append(("refresh", response.status_code))
            if after_auth:
                late.append(("authentication", authenticated))
            if after and response.status_code == 401 and authenticated == 401:
                return before, late
        return before, late

    results = all_at_once(
        THREADS + 1, lambda index: revoke_everybody() if index == THREADS else refresh_until_refused(index)
    )

    output, outcomes = results[THREADS], results[:THREADS]
    assert f"Revoked {THREADS} session(s) of every user." in output
    assert all(before > 0 for before, _ in outcomes), "a session never refreshed before the command"
    for _, late in outcomes:
        assert late, "a thread saw no call after the commit (deadline hit?)"
        assert {status for _, status in late} == {401}, late
    event = SecurityEvent.objects.get(type=SecurityEvent.Type.SESSION_REVOKED)
    epoch = RevocationEpoch.objects.get()
    assert (event.count, event.reason, event.detail) == (
        THREADS,
        "command",
        {"criterion": "all", "epoch": epoch.pk},
    )
    revoked = DeviceSession.objects.with_revocation()
    assert {session.revocation() for session in revoked} == {(epoch.revoked_at, "command")}
