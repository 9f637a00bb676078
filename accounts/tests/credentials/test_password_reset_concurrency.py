"""One reset link confirmed by many requests at once, on PostgreSQL: exactly one sets the password."""

import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceSession, RevokeReason, SecurityEvent
from accounts.tests.concurrency import ON_POSTGRESQL, all_at_once
from accounts.tests.credentials.test_password_reset import CONFIRM_URL, INVALID_LINK, log_in, reset_link_for
from accounts.tests.factories import UserFactory

THREADS = 12
ROUNDS = 3

pytestmark = ON_POSTGRESQL


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_one_link_confirmed_by_twelve_requests_at_once_works_once(round_, settings, login):
    settings.AUTH_THROTTLE_RATE = "none"
    user = UserFactory()
    tokens = login(user)
    uid, token = reset_link_for(user)
    passwords = [f"Concurrent-reset-{index}-passphrase" for index in range(THREADS)]

    def confirm(index):
        response = APIClient().post(
            CONFIRM_URL, {"uid": uid, "token": token, "new_password": passwords[index]}, format="json"
        )
        return response.status_code, response.json() if response.content else None

    results = all_at_once(THREADS, confirm)

    winners = [index for index, (status, _) in enumerate(results) if status == 204]
    assert len(winners) == 1, [status for status, _ in results]
    assert all(body == INVALID_LINK for status, body in results if status != 204)
    # The winner's password is the one set; every other one was refused.
    [winner] = winners
    assert log_in(user, passwords[winner]).status_code == 200
    for index in set(range(THREADS)) - {winner}:
        assert log_in(user, passwords[index]).status_code == 401
    assert SecurityEvent.objects.filter(type=SecurityEvent.Type.PASSWORD_RESET_COMPLETED).count() == 1
    session = DeviceSession.objects.get(pk=tokens["session"]["id"])
    assert session.revoke_reason == RevokeReason.PASSWORD_RESET
