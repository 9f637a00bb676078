"""Concurrent uses of one challenge, and of one counter value, on PostgreSQL: exactly one wins."""

import pytest
from rest_framework.test import APIClient

from accounts.models import DeviceSession, Passkey
from accounts.tests.concurrency import ON_POSTGRESQL, all_at_once
from accounts.tests.passkeys.conftest import LOGIN_URL, REGISTER_URL
from testing.authenticator import SoftAuthenticator

pytestmark = ON_POSTGRESQL
THREADS = 8


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.AUTH_THROTTLE_RATE = "none"


def test_one_login_challenge_logs_in_once_under_concurrency(add_passkey, authenticator, login_options):
    add_passkey()
    options = login_options()
    # Each thread signs its own assertion (its own counter value) over the same challenge.
    credentials = [authenticator.get(options) for _ in range(THREADS)]
    statuses = all_at_once(
        THREADS,
        lambda i: APIClient().post(LOGIN_URL, {"credential": credentials[i]}, format="json").status_code,
    )
    assert sorted(statuses) == [200] + [401] * (THREADS - 1)
    assert DeviceSession.objects.filter(amr="hwk user").count() == 1


def test_one_counter_value_logs_in_once_under_concurrency(add_passkey, authenticator, login_options):
    """Assertions with the same counter over different challenges (a cloned key): one gets through."""
    add_passkey()
    credentials = [authenticator.get(login_options(), sign_count=7) for _ in range(THREADS)]
    statuses = all_at_once(
        THREADS,
        lambda i: APIClient().post(LOGIN_URL, {"credential": credentials[i]}, format="json").status_code,
    )
    assert sorted(statuses) == [200] + [401] * (THREADS - 1)
    assert Passkey.objects.get().sign_count == 7


def test_one_registration_challenge_registers_once_under_concurrency(auth_client, register_options):
    options = register_options()
    credentials = [SoftAuthenticator().create(options) for _ in range(THREADS)]
    access = auth_client.tokens["access"]

    def register(i):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        return client.post(REGISTER_URL, {"credential": credentials[i]}, format="json").status_code

    statuses = all_at_once(THREADS, register)
    assert sorted(statuses) == [201] + [400] * (THREADS - 1)
    assert Passkey.objects.count() == 1
