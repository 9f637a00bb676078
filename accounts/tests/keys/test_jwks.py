"""/.well-known/jwks.json, and another service verifying access tokens from it with PyJWT alone."""

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from accounts.keys import keyring
from accounts.keys.services import new_private_key
from accounts.tests.helpers import REFRESH_URL, bearer
from accounts.tests.key_files import HMAC_SECRETS, pem_public, raw_token, use_keys
from examples.verify_with_jwks import verify_access_token

pytestmark = pytest.mark.django_db

JWKS_URL = "/.well-known/jwks.json"


@pytest.fixture(params=["RS256", "ES256", "EdDSA"])
def algorithm(request, settings, tmp_path, private_keys):
    active, old = private_keys[request.param]
    use_keys(settings, request.param, active=active, fallbacks=[old], directory=tmp_path)
    return request.param


def test_jwks_publishes_active_and_fallback_public_keys(api_client, algorithm):
    response = api_client.get(JWKS_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    keys = response.json()["keys"]
    ring = keyring.current()
    assert [key["kid"] for key in keys] == [ring.active.kid, ring.fallbacks[0].kid]
    for key in keys:
        assert (key["alg"], key["use"]) == (algorithm, "sig")
        # Public members only: no private exponent, no private EC/OKP scalar.
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(key)


def test_jwks_max_age_is_a_setting(api_client, settings, algorithm):
    settings.JWKS_MAX_AGE_SECONDS = 60
    assert api_client.get(JWKS_URL)["Cache-Control"] == "public, max-age=60"


def test_jwks_is_empty_with_hmac(api_client, settings):
    use_keys(settings, "HS256", active=HMAC_SECRETS[1], fallbacks=[HMAC_SECRETS[0]])
    response = api_client.get(JWKS_URL)
    assert response.status_code == 200
    assert response.json() == {"keys": []}
    assert response["Cache-Control"].startswith("public, max-age=")


def test_jwks_needs_no_authentication_and_ignores_a_bad_token(api_client, algorithm):
    assert api_client.get(JWKS_URL, **bearer("garbage")).status_code == 200


def test_jwks_is_in_the_openapi_schema(api_client):
    import yaml

    schema = yaml.safe_load(api_client.get("/api/schema/").content)
    operation = schema["paths"]["/.well-known/jwks.json"]["get"]
    assert operation["operationId"] == "jwks_retrieve"
    assert "200" in operation["responses"]


# --- Another service: examples/verify_with_jwks.py -------------------------------------------


@pytest.fixture
def published(api_client, algorithm):
    return api_client.get(JWKS_URL).json()


def test_independent_verifier_accepts_an_access_token(algorithm, published, user, login):
    tokens = login(user)
    claims = verify_access_token(tokens["access"], published)
    assert claims["user_id"] == str(user.pk)
    assert claims["sid"] == tokens["session"]["id"]


def test_independent_verifier_follows_rotation(api_client, algorithm, published, user, login):
    """A token of the fallback key verifies; after a refresh the new token verifies by the new kid."""
    tokens = login(user)
    ring = keyring.current()
    payload = jwt.decode(tokens["refresh"], options={"verify_signature": False})
    fallback_kid = ring.fallbacks[0].kid
    old_refresh = raw_token(
        {"alg": algorithm, "kid": fallback_kid}, payload, fallback_private(algorithm), algorithm
    )
    response = api_client.post(REFRESH_URL, **bearer(old_refresh))
    assert response.status_code == 200
    new_access = response.json()["access"]
    assert jwt.get_unverified_header(new_access)["kid"] == ring.active.kid
    assert verify_access_token(new_access, published)["sid"] == tokens["session"]["id"]


def fallback_private(algorithm):

    path = settings.JWT_KEY_FALLBACK_FILES[0]
    with open(path, "rb") as file:
        return serialization.load_pem_private_key(file.read(), password=None)


def test_independent_verifier_refuses_a_refresh_token(algorithm, published, user, login):
    with pytest.raises(jwt.InvalidTokenError, match="not an access token"):
        verify_access_token(login(user)["refresh"], published)


def test_independent_verifier_refuses_forgeries(algorithm, published, user, login, private_keys):
    access = login(user)["access"]
    payload = jwt.decode(access, options={"verify_signature": False})
    kid = keyring.current().active.kid
    stranger = new_private_key(algorithm)
    for forged in (
        raw_token({"alg": "none", "kid": kid}, payload),
        raw_token({"alg": algorithm, "kid": kid}, payload, stranger, algorithm),
        raw_token({"alg": "HS256", "kid": kid}, payload, pem_public(private_keys[algorithm][0]), "HS256-raw"),
        raw_token({"alg": algorithm, "kid": "unknown"}, payload, stranger, algorithm),
        raw_token(
            {"alg": algorithm, "kid": kid}, {**payload, "exp": 1}, private_keys[algorithm][0], algorithm
        ),
    ):
        with pytest.raises(jwt.InvalidTokenError):
            verify_access_token(forged, published)


def test_independent_verifier_checks_issuer_and_audience(settings, algorithm, published, user, login):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": "https://auth.test", "AUDIENCE": "todos"}
    access = login(user)["access"]
    assert verify_access_token(access, published, issuer="https://auth.test", audience="todos")
    with pytest.raises(jwt.InvalidTokenError):
        verify_access_token(access, published, issuer="https://other.test", audience="todos")
    with pytest.raises(jwt.InvalidTokenError):
        verify_access_token(access, published, issuer="https://auth.test", audience="billing")


def test_independent_verifier_cannot_see_revocation(api_client, algorithm, published, user, login):
    """What the example says plainly: a logged-out session's access token still verifies until it expires."""
    tokens = login(user)
    assert api_client.post("/api/auth/logout/", **bearer(tokens["access"])).status_code == 204
    assert api_client.get("/api/auth/sessions/", **bearer(tokens["access"])).status_code == 401
    assert verify_access_token(tokens["access"], published)["sid"] == tokens["session"]["id"]
