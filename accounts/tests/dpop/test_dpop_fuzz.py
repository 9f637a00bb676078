"""Hostile DPoP input never costs a 5xx: random headers, well-signed proofs with random members, and
forwarded headers, hosts and ``htu`` values that a proof must match exactly or be refused with 401."""

import base64
import json

import jwt
import pytest
from hypothesis import HealthCheck, example, given, settings
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


# --- htu against the request's URL, behind 0 to 3 trusted proxies ---------------------------

ALLOWED, DISALLOWED, UNREADABLE = "allowed", "disallowed", "unreadable"
# Each host a client or proxy may name, with what Django (ALLOWED_HOSTS below) and a URL parser
# make of it: a port out of range passes Django's host check but is no URL.
HOSTS = {
    "testserver": ALLOWED,
    "api.example.com": ALLOWED,
    "api.example.com:8443": ALLOWED,
    "testserver:99999": UNREADABLE,
    "other.example": DISALLOWED,
    "bad host": DISALLOWED,
    "": DISALLOWED,
}
# htu values that are no absolute http(s) URL.
UNREADABLE_HTUS = (
    "http://testserver:99999" + SESSIONS,
    "testserver" + SESSIONS,
    "ftp://testserver" + SESSIONS,
    "http://user@testserver" + SESSIONS,
    "http://[::1" + SESSIONS,
    "http://" + SESSIONS,
    "",
)
AIMED = "the URL the server should see"
host_lists = st.none() | st.lists(st.sampled_from(sorted(HOSTS)), min_size=1, max_size=4)
proto_lists = st.none() | st.lists(st.sampled_from(["https", "http", "HTTPS", ""]), min_size=1, max_size=4)
htus = st.one_of(
    st.just(AIMED),
    st.tuples(st.sampled_from(["http", "https"]), st.sampled_from(sorted(HOSTS))),
    st.sampled_from(UNREADABLE_HTUS),
    st.text(max_size=40),
)


def trusted_entry(entries, proxies):
    """The entry the outermost of ``proxies`` trusted proxies wrote (each appends its own)."""
    return entries[-min(proxies, len(entries))]


def seen_by_server(proxies, own_host, forwarded_hosts, forwarded_protos):
    """Return the (scheme, host) the server must take the request for, per API.md's rules."""
    scheme, host = "http", own_host
    if proxies:
        if forwarded_protos is not None:
            scheme = "https" if trusted_entry(forwarded_protos, proxies) == "https" else "http"
        if forwarded_hosts is not None:
            candidate = trusted_entry(forwarded_hosts, proxies)
            if HOSTS[candidate] != DISALLOWED:
                host = candidate
    return scheme, host


@settings(FUZZ, max_examples=150)
@given(
    proxies=st.integers(0, 3),
    own_host=st.just("testserver") | st.sampled_from(sorted(HOSTS)),  # mostly a host Django accepts
    forwarded_hosts=host_lists,
    forwarded_protos=proto_lists,
    htu=htus,
)
# A proxied request naming another server: the forwarded host is not one this server serves.
@example(1, "testserver", ["other.example"], ["https"], ("https", "other.example"))
# The client's own entry, left of the one its proxy wrote, does not count.
@example(1, "testserver", ["api.example.com", "testserver"], ["https", "http"], ("https", "api.example.com"))
# Without a trusted proxy, forwarded headers count for nothing.
@example(0, "testserver", ["api.example.com"], ["https"], ("https", "api.example.com"))
# Two URLs that cannot be read do not match: a Host with a port out of range.
@example(0, "testserver:99999", None, None, AIMED)
@example(2, "testserver", ["testserver:99999", "testserver"], None, AIMED)
def test_htu_must_name_the_url_the_server_sees(
    api_client,
    bound,
    key,
    settings,
    behind_proxies,
    proxies,
    own_host,
    forwarded_hosts,
    forwarded_protos,
    htu,
):
    behind_proxies(proxies)
    settings.ALLOWED_HOSTS = ["testserver", "api.example.com"]
    settings.AUTH_THROTTLE_RATE = "none"
    scheme, host = seen_by_server(proxies, own_host, forwarded_hosts, forwarded_protos)
    if htu == AIMED:
        htu = (scheme, host)
    if isinstance(htu, tuple):
        expected = 200 if htu == (scheme, host) and HOSTS[host] == ALLOWED else 401
        htu = f"{htu[0]}://{htu[1]}{SESSIONS}"
    else:
        expected = 401
    if HOSTS[host] == DISALLOWED:
        expected = 400  # Django's host check answers before any authentication
    headers = {"HTTP_HOST": own_host}
    if forwarded_hosts is not None:
        headers["HTTP_X_FORWARDED_HOST"] = ", ".join(forwarded_hosts)
    if forwarded_protos is not None:
        headers["HTTP_X_FORWARDED_PROTO"] = ", ".join(forwarded_protos)
    access = bound["access"]
    proof = key.headers("GET", SESSIONS, access, claims={"htu": htu})  # as it is: no base URL added
    response = api_client.get(SESSIONS, **headers, **proof)
    assert response.status_code == expected, (htu, response.content)
    if expected == 401:
        assert response["WWW-Authenticate"].startswith("DPoP "), response.content
        assert 'error="invalid_dpop_proof"' in response["WWW-Authenticate"]
