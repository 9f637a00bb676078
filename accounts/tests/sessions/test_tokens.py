"""JWT edge cases: every forged, tampered, misplaced or incomplete token is a 401."""

import base64
import json
import time

import pytest

from accounts.tests.helpers import bearer, claims, get_sessions, refresh, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(user, login):
    return login(user)


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_refused(response):
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert {"detail", "code"} <= set(response.json())


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_alg_none_is_refused(api_client, tokens, kind):
    forged = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(tokens[kind]))}."
    assert_refused(get_sessions(api_client, forged) if kind == "access" else refresh(api_client, forged))


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_tampered_payload_is_refused(api_client, user, tokens, kind):
    header, _, signature = tokens[kind].split(".")
    payload = {**claims(tokens[kind]), "user_id": str(user.pk + 1)}
    forged = f"{header}.{b64(payload)}.{signature}"
    assert_refused(get_sessions(api_client, forged) if kind == "access" else refresh(api_client, forged))


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_wrong_key_is_refused(api_client, tokens, kind):
    forged = sign(claims(tokens[kind]), key="another-key-that-is-long-enough-for-hs256!")
    assert_refused(get_sessions(api_client, forged) if kind == "access" else refresh(api_client, forged))


def test_other_algorithm_is_refused(api_client, tokens):
    forged = sign(claims(tokens["access"]), algorithm="HS512")
    assert_refused(get_sessions(api_client, forged))


def test_access_token_where_refresh_belongs(api_client, tokens):
    assert_refused(refresh(api_client, tokens["access"]))


def test_refresh_token_where_access_belongs(api_client, tokens):
    assert_refused(get_sessions(api_client, tokens["refresh"]))


@pytest.mark.parametrize("claim", ["sid", "jti", "user_id", "exp", "token_type", "sexp"])
def test_missing_claim_is_refused(api_client, tokens, claim):
    access = claims(tokens["access"])
    access.pop(claim, None)
    refresh_payload = claims(tokens["refresh"])
    refresh_payload.pop(claim)
    if claim != "sexp":  # only refresh tokens need the session's expiry
        assert_refused(get_sessions(api_client, sign(access)))
    assert_refused(refresh(api_client, sign(refresh_payload)))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sid", "not-a-uuid"),
        ("sid", 12),
        ("sid", None),
        ("user_id", "abc"),
        ("user_id", "1" * 40),
        ("user_id", "²"),
        ("sexp", "soon"),
    ],
)
def test_malformed_claims_are_refused_not_crashed(api_client, tokens, claim, value):
    access = {**claims(tokens["access"]), claim: value}
    refresh_payload = {**claims(tokens["refresh"]), claim: value}
    if claim != "sexp":
        assert_refused(get_sessions(api_client, sign(access)))
    assert_refused(refresh(api_client, sign(refresh_payload)))


def test_token_of_another_session_id_is_refused(api_client, tokens):
    forged = {**claims(tokens["access"]), "sid": "00000000-0000-0000-0000-000000000000"}
    assert_refused(get_sessions(api_client, sign(forged)))


def test_token_pointing_at_another_users_session_is_refused(api_client, tokens, login):
    from accounts.tests.factories import UserFactory

    stranger = login(UserFactory())
    mixed = {**claims(tokens["access"]), "sid": stranger["session"]["id"]}
    assert_refused(get_sessions(api_client, sign(mixed)))
    mixed_refresh = {**claims(tokens["refresh"]), "sid": stranger["session"]["id"]}
    assert_refused(refresh(api_client, sign(mixed_refresh)))
    # The stranger's session is not harmed by the attempt.
    assert get_sessions(api_client, stranger["access"]).status_code == 200


@pytest.mark.parametrize("kind", ["access", "refresh"])
def test_expired_token_is_refused(api_client, tokens, kind):
    expired = sign({**claims(tokens[kind]), "exp": int(time.time()) - 1})
    assert_refused(get_sessions(api_client, expired) if kind == "access" else refresh(api_client, expired))


def test_stock_simplejwt_token_without_sid_is_refused(api_client, user):
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    assert_refused(get_sessions(api_client, str(AccessToken.for_user(user))))
    assert_refused(refresh(api_client, str(RefreshToken.for_user(user))))


def test_token_in_query_string_or_cookie_is_ignored(api_client, tokens):
    api_client.cookies["access"] = tokens["access"]
    assert_refused(api_client.get(f"/api/auth/sessions/?access={tokens['access']}"))


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer  ", "Bearer a b c", "bearer " + "x" * 10, "Bearer \u00e9"]
)
def test_odd_authorization_headers(api_client, header):
    response = api_client.get("/api/auth/sessions/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_valid_token_still_works(api_client, tokens):
    # The control case of this module: the untouched tokens are accepted.
    assert get_sessions(api_client, tokens["access"]).status_code == 200
    assert api_client.post("/api/auth/refresh/", **bearer(tokens["refresh"])).status_code == 200
