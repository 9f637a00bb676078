"""Fixtures of the passkey tests: a software authenticator and the ceremonies through the API."""

import pytest
from rest_framework.test import APIClient

from testing.authenticator import SoftAuthenticator

REGISTER_OPTIONS_URL = "/api/auth/passkeys/register/options/"
REGISTER_URL = "/api/auth/passkeys/register/"
PASSKEYS_URL = "/api/auth/passkeys/"
LOGIN_OPTIONS_URL = "/api/auth/passkeys/login/options/"
LOGIN_URL = "/api/auth/passkeys/login/"
REAUTH_URL = "/api/auth/reauthenticate/"
ME_URL = "/api/users/me/"


@pytest.fixture
def authenticator():
    return SoftAuthenticator()


@pytest.fixture
def register_options(auth_client):
    """Return a function that asks for creation options as ``client`` (the user's) and returns ``publicKey``."""

    def _options(client=auth_client):
        response = client.post(REGISTER_OPTIONS_URL)
        assert response.status_code == 200, response.content
        return response.json()["publicKey"]

    return _options


@pytest.fixture
def add_passkey(auth_client, authenticator, register_options):
    """Register a passkey of ``auth_client``'s user through the API; return the response body."""

    def _add(name="", client=auth_client, authenticator=authenticator):
        credential = authenticator.create(register_options(client))
        response = client.post(REGISTER_URL, {"credential": credential, "name": name}, format="json")
        assert response.status_code == 201, response.content
        return response.json()

    return _add


@pytest.fixture
def login_options():
    def _options(client=None):
        response = (client or APIClient()).post(LOGIN_OPTIONS_URL)
        assert response.status_code == 200, response.content
        return response.json()["publicKey"]

    return _options


@pytest.fixture
def passkey_login(login_options, authenticator):
    """Return a function that logs in with the authenticator's latest passkey; returns the response."""

    def _login(client=None, device_name=None, authenticator=authenticator, **assertion):
        client = client or APIClient()
        credential = authenticator.get(login_options(client), **assertion)
        body = {"credential": credential}
        if device_name is not None:
            body["device_name"] = device_name
        return client.post(LOGIN_URL, body, format="json")

    return _login
