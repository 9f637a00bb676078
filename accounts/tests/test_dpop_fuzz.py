"""Hostile DPoP input never costs a 5xx: random headers, and well-signed proofs with random members."""

import base64
import json

import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.tests.dpop_helpers import ClientKey, login_bound

pytestmark = pytest.mark.django_db

SESSIONS, REFRESH, LOGIN = "/api/auth/sessions/", "/api/auth/refresh/", "/api/auth/login/"
FUZZ = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck), derandomize=True
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=300)


def b64(data) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def key():
    return ClientKey()


@pytest.fixture
def bound(api_client, user, key):
    return login_bound(api_client, user, key)


@FUZZ
@given(proof=header_text, scheme=st.sampled_from(["DPoP", "dpop", "Bearer", "DPoP x", ""]))
def test_random_headers(api_client, bound, proof, scheme, settings):
    settings.AUTH_THROTTLE_RATE = "none"
    for path, method, token in ((SESSIONS, "get", bound["access"]), (REFRESH, "post", bound["refresh"])):
        response = getattr(api_client, method)(path, HTTP_AUTHORIZATION=f"{scheme} {token}", HTTP_DPOP=proof)
        assert response.status_code == 401, response.content
    response = api_client.post(
        LOGIN, {"email": "nobody@example.com", "password": "x"}, format="json", HTTP_DPOP=proof
    )
    assert response.status_code == 401


@FUZZ
@given(
    header_member=st.sampled_from(["typ", "alg", "jwk", "kid", "crit"]),
    claim=st.sampled_from(["jti", "htm", "htu", "iat", "ath", "nonce"]),
    value=json_values,
)
def test_signed_proofs_with_random_members(api_client, bound, key, header_member, claim, value):
    access = bound["access"]
    header_override = {header_member: value}
    if header_member == "jwk" and isinstance(value, dict):
        header_override = {"jwk": {**key.public_jwk, **value}}
    for overrides in ({"header": header_override}, {"claims": {claim: value}}):
        try:
            proof = key.proof("GET", SESSIONS, access=access, **overrides)
        except (TypeError, ValueError, jwt.PyJWTError):
            continue  # PyJWT will not sign it (a header it cannot serialise)
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=proof)
        assert response.status_code in (200, 401), response.content


@FUZZ
@given(header=json_values, payload=json_values, signature=st.text("abcAB-_", max_size=20))
def test_unsigned_shapes(api_client, bound, header, payload, signature):
    access = bound["access"]
    proof = f"{b64(header)}.{b64(payload)}.{signature or 'A'}"
    response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=proof)
    assert response.status_code == 401
