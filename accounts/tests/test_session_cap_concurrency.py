"""The session cap under concurrent logins of one user, on PostgreSQL with one connection per thread."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DeviceSession, RevokeReason
from accounts.tests.factories import PASSWORD, UserFactory

THREADS = 12
ROUNDS = 3
CAP = 3

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL (CI does)"
    ),
]


def log_in_all_at_once(user):
    """Log ``user`` in from THREADS threads at the same moment; return the status codes."""
    barrier = threading.Barrier(THREADS)
    statuses = [None] * THREADS

    def worker(index):
        try:
            barrier.wait(timeout=30)
            statuses[index] = (
                APIClient()
                .post(
                    "/api/auth/login/",
                    {"email": user.email, "password": PASSWORD, "device_name": f"device {index}"},
                    format="json",
                )
                .status_code
            )
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(status is not None for status in statuses), "a worker did not finish"
    return statuses


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
