"""Fixtures shared by every app's tests."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    """Hash passwords cheaply and start each test with no throttle or session state."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def login(api_client):
    """Log ``user`` in through the API and return the token response body."""

    def _login(user, password=PASSWORD, device_name="test device", **extra):
        response = api_client.post(
            "/api/auth/login/",
            {"email": user.email, "password": password, "device_name": device_name},
            format="json",
            **extra,
        )
        assert response.status_code == 200, response.content
        return response.json()

    return _login


@pytest.fixture
def auth_client(user, login):
    """An API client authenticated with a fresh access token of ``user``."""
    client = APIClient()
    tokens = login(user)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    client.tokens = tokens
    return client
