import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(staff_user, login):
    """An API client authenticated as a staff user."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(staff_user)['access']}")
    return client
