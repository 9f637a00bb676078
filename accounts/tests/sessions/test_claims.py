"""Correctly signed tokens whose claims have the wrong type or range: 401 like any invalid token."""

import time
import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.tests.helpers import bearer, claims, refresh, sign

pytestmark = pytest.mark.django_db

ODD_VALUES = [
    "1999999999",
    "soon",
    [1],
    {"a": 1},
    None,
    True,
    -1,
    10**11,  # year 5138: fine for datetime, still in range
    253402300800,  # one second past 9999-12-31
    10**30,
    1.5e300,
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)


def forged(base, **changes):
    payload = {**base, **changes}
    return sign({k: v for k, v in payload.items() if v is not ...})


@pytest.fixture
def tokens(user, login):
    issued = login(user)
    return {"access": claims(issued["access"]), "refresh": claims(issued["refresh"])}


@pytest.mark.parametrize("claim", ["exp", "iat", "jti", "sid", "user_id", "token_type", "sexp"])
@pytest.mark.parametrize("value", ODD_VALUES, ids=repr)
def test_odd_claim_on_either_token_is_never_a_5xx(api_client, tokens, claim, value):
    access = forged(tokens["access"], **{claim: value})
    response = api_client.get("/api/todos/", **bearer(access))
    assert response.status_code in (200, 401), response.content
    if response.status_code == 401:
        assert response.json()["code"] in ("token_not_valid", "session_revoked")
        assert response["WWW-Authenticate"].startswith("Bearer")
    refresh_response = refresh(api_client, forged(tokens["refresh"], **{claim: value}))
    assert refresh_response.status_code in (200, 401), refresh_response.content


@pytest.mark.parametrize("value", ["1999999999", 253402300800, 10**30, [1], None, True])
def test_string_or_overflowing_exp_is_refused(api_client, tokens, value):
    assert api_client.get("/api/todos/", **bearer(forged(tokens["access"], exp=value))).status_code == 401
    assert refresh(api_client, forged(tokens["refresh"], exp=value)).status_code == 401
    assert refresh(api_client, forged(tokens["refresh"], sexp=value)).status_code == 401


@pytest.mark.parametrize("value", [5, 1.5, ["a"], {"a": 1}, None, "", "x" * 65])
def test_non_string_or_oversized_jti_is_refused(api_client, tokens, value):
    assert api_client.get("/api/todos/", **bearer(forged(tokens["access"], jti=value))).status_code == 401
    assert refresh(api_client, forged(tokens["refresh"], jti=value)).status_code == 401


def test_float_times_within_range_are_still_numeric_dates(api_client, tokens):
    access = forged(tokens["access"], exp=time.time() + 60.5, iat=time.time())
    assert api_client.get("/api/todos/", **bearer(access)).status_code == 200


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    claim=st.sampled_from(["exp", "iat", "nbf", "jti", "sid", "user_id", "token_type", "sexp"]),
    value=json_values,
)
def test_any_json_value_in_any_claim_never_costs_a_5xx(api_client, tokens, claim, value):
    access = forged(tokens["access"], **{claim: value})
    assert api_client.get("/api/todos/", **bearer(access)).status_code in (200, 401)
    changes = {claim: value} if claim == "jti" else {claim: value, "jti": uuid.uuid4().hex}
    assert refresh(api_client, forged(tokens["refresh"], **changes)).status_code in (200, 401)
