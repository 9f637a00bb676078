"""Concurrent refreshes with one token, on PostgreSQL with real connections (one per thread)."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceSession
from accounts.tests.concurrency import ON_POSTGRESQL, all_at_once, login_once
from accounts.tests.helpers import LOGOUT_URL, bearer, claims, get_sessions, refresh

THREADS = 20
ROUNDS = 5

pytestmark = ON_POSTGRESQL


def refresh_all_at_once(token):
    """Fire THREADS refreshes with ``token`` at the same moment; return (status, body) of each."""

    def one(_index):
        response = refresh(APIClient(), token)
        return response.status_code, response.json() if response.content else None

    return all_at_once(THREADS, one)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_strict_mode_allows_at_most_one_winner_and_no_second_chain(round_, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(0)
    settings.AUTH_THROTTLE_RATE = "none"
    tokens = login_once()
    results = refresh_all_at_once(tokens["refresh"])
    statuses = [status for status, _ in results]
    assert set(statuses) <= {200, 401}
    winners = [body for status, body in results if status == 200]
    assert len(winners) <= 1
    session = DeviceSession.objects.get(pk=tokens["session"]["id"])
    client = APIClient()
    if session.revoked_at is None:
        # Nobody raced the winner into reuse detection: its chain is the only one.
        assert len(winners) == 1
        assert session.refresh_jti == claims(winners[0]["refresh"])["jti"]
    else:
        # The losers' second use of the token was treated as theft: nothing survives.
        assert session.revoke_reason == "reuse_detected"
        for body in winners:
            assert refresh(client, body["refresh"]).status_code == 401
            assert get_sessions(client, body["access"]).status_code == 401


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_grace_mode_hands_every_caller_the_same_chain(round_, settings):
    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    settings.AUTH_THROTTLE_RATE = "none"
    tokens = login_once()
    results = refresh_all_at_once(tokens["refresh"])
    winners = [body for status, body in results if status == 200]
    assert winners, [status for status, _ in results]
    assert {status for status, _ in results} <= {200, 401}
    # One chain: every token handed out carries the session's single live jti.
    session = DeviceSession.objects.get(pk=tokens["session"]["id"])
    assert session.revoked_at is None
    assert {claims(body["refresh"])["jti"] for body in winners} == {session.refresh_jti}
    # Logging out with any one of them kills all of them.
    client = APIClient()
    assert client.post(LOGOUT_URL, **bearer(winners[-1]["refresh"])).status_code == 204
    for body in winners:
        assert refresh(client, body["refresh"]).status_code == 401
        assert get_sessions(client, body["access"]).status_code == 401


def test_concurrent_rotation_of_different_sessions_do_not_interfere(settings):
    settings.AUTH_THROTTLE_RATE = "none"
    sessions = [login_once() for _ in range(THREADS)]
    statuses = all_at_once(
        THREADS, lambda index: refresh(APIClient(), sessions[index]["refresh"]).status_code
    )
    assert statuses == [200] * THREADS
    assert not DeviceSession.objects.filter(revoked_at__isnull=False).exists()
