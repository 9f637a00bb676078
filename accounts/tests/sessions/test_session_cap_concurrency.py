"""The session cap under concurrent logins of one user, on PostgreSQL with one connection per thread."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, RevokeReason
from accounts.tests.concurrency import ON_POSTGRESQL, all_at_once
from accounts.tests.factories import PASSWORD, UserFactory

THREADS = 12
ROUNDS = 3
CAP = 3

pytestmark = ON_POSTGRESQL


def log_in_all_at_once(user):
    """Log ``user`` in from THREADS threads at the same moment; return the status codes."""

    def one(index):
        return (
            APIClient()
            .post(
                "/api/auth/login/",
                {"email": user.email, "password": PASSWORD, "device_name": f"device {index}"},
                format="json",
            )
            .status_code
        )

    return all_at_once(THREADS, one)


def live_count(user):
    return DeviceSession.objects.live(timezone.now()).filter(user=user).count()


@pytest.fixture
def capped(settings):
    settings.AUTH_THROTTLE_RATE = "none"
    settings.SESSION_MAX_PER_USER = CAP
    return settings


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_evict_oldest_never_leaves_more_than_the_cap(round_, capped):
    capped.SESSION_LIMIT_POLICY = "evict_oldest"
    user = UserFactory()
    statuses = log_in_all_at_once(user)
    assert statuses == [200] * THREADS
    assert live_count(user) == CAP
    sessions = DeviceSession.objects.filter(user=user)
    assert sessions.count() == THREADS
    assert set(sessions.filter(revoked_at__isnull=False).values_list("revoke_reason", flat=True)) == {
        RevokeReason.SESSION_LIMIT
    }


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_deny_lets_exactly_the_cap_in(round_, capped):
    capped.SESSION_LIMIT_POLICY = "deny"
    user = UserFactory()
    statuses = log_in_all_at_once(user)
    assert sorted(statuses) == [200] * CAP + [409] * (THREADS - CAP)
    assert live_count(user) == CAP
    assert DeviceSession.objects.filter(user=user).count() == CAP
