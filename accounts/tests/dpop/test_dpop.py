"""DPoP (RFC 9449): binding at login, register and password change; every proof rule; unbound clients untouched."""

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from jwt.algorithms import RSAAlgorithm

from accounts.dpop import proofs
from accounts.jwk import b64url_sha256, thumbprint
from accounts.models import DeviceSession, DPoPProofUse
from accounts.tests.dpop_helpers import BASE, DROP, ClientKey, login_bound
from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import bearer, claims

pytestmark = pytest.mark.django_db

LOGIN, REGISTER, REFRESH, LOGOUT = (
    "/api/auth/login/",
    "/api/auth/register/",
    "/api/auth/refresh/",
    "/api/auth/logout/",
)
SESSIONS, TODOS, CHANGE = "/api/auth/sessions/", "/api/todos/", "/api/auth/password/change/"


@pytest.fixture
def key():
    return ClientKey()


@pytest.fixture
def bound(api_client, user, key):
    """Log ``user`` in with a proof of ``key``; return the token response."""
    return login_bound(api_client, user, key)


def assert_dpop_401(response, error="invalid_dpop_proof"):
    assert response.status_code == 401, response.content
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith("DPoP "), challenge
    assert f'error="{error}"' in challenge
    assert "ES256" in challenge
    assert response.json()["code"] == error


# --- Binding --------------------------------------------------------------------------------


def test_login_with_a_proof_binds_the_session_to_the_key(bound, key):
    assert bound["token_type"] == "DPoP"
    for name in ("access", "refresh"):
        assert claims(bound[name])["cnf"] == {"jkt": key.jkt}
    assert DeviceSession.objects.get(pk=bound["session"]["id"]).dpop_jkt == key.jkt


def test_register_with_a_proof_is_bound(api_client, key):
    response = api_client.post(
        REGISTER,
        {"email": "new@example.com", "password": PASSWORD},
        format="json",
        HTTP_DPOP=key.proof("POST", REGISTER),
    )
    assert response.status_code == 201, response.content
    assert response.json()["token_type"] == "DPoP"
    assert claims(response.json()["access"])["cnf"]["jkt"] == key.jkt


def test_login_without_a_proof_is_plain_bearer_as_before(api_client, login, user):
    tokens = login(user)
    assert tokens["token_type"] == "Bearer"
    assert "cnf" not in claims(tokens["access"]) and "cnf" not in claims(tokens["refresh"])
    assert DeviceSession.objects.get(pk=tokens["session"]["id"]).dpop_jkt is None
    assert api_client.get(SESSIONS, **bearer(tokens["access"])).status_code == 200
    assert api_client.post(REFRESH, **bearer(tokens["refresh"])).json()["token_type"] == "Bearer"


def test_an_unbound_token_ignores_a_stray_proof(api_client, login, user, key):
    tokens = login(user)
    response = api_client.get(SESSIONS, HTTP_DPOP="garbage", **bearer(tokens["access"]))
    assert response.status_code == 200


def test_bound_session_works_with_proofs_everywhere(api_client, bound, key):
    access = bound["access"]
    assert api_client.get(SESSIONS, **key.headers("GET", SESSIONS, access)).status_code == 200
    created = api_client.post(TODOS, {"title": "x"}, format="json", **key.headers("POST", TODOS, access))
    assert created.status_code == 201
    refreshed = api_client.post(REFRESH, **key.headers("POST", REFRESH, bound["refresh"], access=False))
    assert refreshed.status_code == 200, refreshed.content
    pair = refreshed.json()
    assert pair["token_type"] == "DPoP"
    assert claims(pair["refresh"])["cnf"] == claims(pair["access"])["cnf"] == {"jkt": key.jkt}
    assert api_client.get(SESSIONS, **key.headers("GET", SESSIONS, pair["access"])).status_code == 200
    assert (
        api_client.post(LOGOUT, **key.headers("POST", LOGOUT, pair["refresh"], access=False)).status_code
        == 204
    )
    assert api_client.get(SESSIONS, **key.headers("GET", SESSIONS, pair["access"])).status_code == 401


def test_logout_with_the_access_token_needs_ath(api_client, bound, key):
    access = bound["access"]
    no_ath = api_client.post(LOGOUT, **key.headers("POST", LOGOUT, access, access=False))
    assert_dpop_401(no_ath)
    assert api_client.post(LOGOUT, **key.headers("POST", LOGOUT, access)).status_code == 204


def test_password_change_keeps_the_binding(api_client, bound, key):
    response = api_client.post(
        CHANGE,
        {"current_password": PASSWORD, "new_password": "An0ther-long-passw0rd"},
        format="json",
        **key.headers("POST", CHANGE, bound["access"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    assert claims(response.json()["access"])["cnf"]["jkt"] == key.jkt


def test_password_change_with_a_proof_binds_an_unbound_session(api_client, login, user, key):
    tokens = login(user)
    response = api_client.post(
        CHANGE,
        {"current_password": PASSWORD, "new_password": "An0ther-long-passw0rd"},
        format="json",
        HTTP_DPOP=key.proof("POST", CHANGE),
        **bearer(tokens["access"]),
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "DPoP"
    assert DeviceSession.objects.get(pk=response.json()["session"]["id"]).dpop_jkt == key.jkt


# --- A copied token is useless without the key ----------------------------------------------


def test_bound_tokens_as_bearer_are_refused(api_client, bound):
    assert_dpop_401(api_client.get(SESSIONS, **bearer(bound["access"])), "invalid_token")
    assert_dpop_401(api_client.post(REFRESH, **bearer(bound["refresh"])), "invalid_token")
    assert_dpop_401(api_client.post(LOGOUT, **bearer(bound["refresh"])), "invalid_token")
    # Nothing of the session was spent: its owner carries on.
    assert DeviceSession.objects.get(pk=bound["session"]["id"]).revoked_at is None


def test_bound_tokens_without_a_proof_are_refused(api_client, bound):
    dpop_only = {"HTTP_AUTHORIZATION": f"DPoP {bound['access']}"}
    assert_dpop_401(api_client.get(SESSIONS, **dpop_only))
    assert_dpop_401(api_client.post(REFRESH, HTTP_AUTHORIZATION=f"DPoP {bound['refresh']}"))


def test_bound_tokens_with_another_keys_proof_are_refused(api_client, bound):
    thief = ClientKey()
    assert_dpop_401(api_client.get(SESSIONS, **thief.headers("GET", SESSIONS, bound["access"])))
    assert_dpop_401(
        api_client.post(REFRESH, **thief.headers("POST", REFRESH, bound["refresh"], access=False))
    )
    assert_dpop_401(api_client.post(LOGOUT, **thief.headers("POST", LOGOUT, bound["refresh"], access=False)))
    assert DeviceSession.objects.get(pk=bound["session"]["id"]).revoked_at is None


def test_dpop_scheme_on_an_unbound_token_is_refused(api_client, login, user, key):
    tokens = login(user)
    assert_dpop_401(
        api_client.get(SESSIONS, **key.headers("GET", SESSIONS, tokens["access"])), "invalid_token"
    )
    assert_dpop_401(
        api_client.post(REFRESH, **key.headers("POST", REFRESH, tokens["refresh"], access=False)),
        "invalid_token",
    )


def test_an_invalid_token_with_the_dpop_scheme_gets_the_dpop_challenge(api_client, key):
    response = api_client.get(SESSIONS, **key.headers("GET", SESSIONS, "not.a.token"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('DPoP realm="api", error="invalid_token"')
    response = api_client.post(REFRESH, HTTP_AUTHORIZATION="DPoP not.a.token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("DPoP ")


def test_refresh_proof_for_another_url_is_refused(api_client, bound, key):
    proof_for_todos = {
        "HTTP_AUTHORIZATION": f"DPoP {bound['refresh']}",
        "HTTP_DPOP": key.proof("POST", TODOS),
    }
    assert_dpop_401(api_client.post(REFRESH, **proof_for_todos))


# --- Every proof rule, one at a time --------------------------------------------------------


def _other_alg_key(name):
    return {
        "ES384": lambda: ec.generate_private_key(ec.SECP384R1()),
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "PS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "EdDSA": ed25519.Ed25519PrivateKey.generate,
    }[name]()


@pytest.mark.parametrize("algorithm", ["ES384", "RS256", "PS256", "EdDSA"])
def test_other_asymmetric_algorithms_work(api_client, user, algorithm):
    private = _other_alg_key(algorithm)
    key = ClientKey(private, algorithm=algorithm)
    tokens = login_bound(api_client, user, key)
    assert claims(tokens["access"])["cnf"]["jkt"] == key.jkt
    ok = api_client.get(SESSIONS, **key.headers("GET", SESSIONS, tokens["access"]))
    assert ok.status_code == 200, ok.content


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _wrong_proofs(key, access):
    """Yield (name, proof) for proofs each wrong in one way, for GET /api/auth/sessions/."""
    now = int(time.time())
    good_claims = {
        "jti": "j-1",
        "htm": "GET",
        "htu": BASE + SESSIONS,
        "iat": now,
        "ath": b64url_sha256(access),
    }
    other = ClientKey()
    small_rsa = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    yield "typ missing", key.proof("GET", SESSIONS, access=access, header={"typ": DROP})
    yield "typ JWT", key.proof("GET", SESSIONS, access=access, header={"typ": "JWT"})
    yield (
        "alg none",
        f"{_b64({'typ': 'dpop+jwt', 'alg': 'none', 'jwk': key.public_jwk})}.{_b64(good_claims)}.",
    )
    yield (
        "alg none with a signature part",
        f"{_b64({'typ': 'dpop+jwt', 'alg': 'none', 'jwk': key.public_jwk})}.{_b64(good_claims)}.AAAA",
    )
    yield (
        "HS256 with an oct jwk",
        jwt.encode(
            good_claims,
            "s" * 32,
            algorithm="HS256",
            headers={
                "typ": "dpop+jwt",
                "jwk": {"kty": "oct", "k": base64.urlsafe_b64encode(b"s" * 32).decode()},
            },
        ),
    )
    signing_input = f"{_b64({'typ': 'dpop+jwt', 'alg': 'HS256', 'jwk': key.public_jwk})}.{_b64(good_claims)}"
    mac = hmac.new(json.dumps(key.public_jwk).encode(), signing_input.encode(), hashlib.sha256).digest()
    yield (
        "HS256 keyed with the public jwk",
        f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}",
    )
    yield "jwk missing", key.proof("GET", SESSIONS, access=access, header={"jwk": DROP})
    yield "jwk not an object", key.proof("GET", SESSIONS, access=access, header={"jwk": "key"})
    private_jwk = ECAlgorithm_private(key)
    yield "jwk with the private key", key.proof("GET", SESSIONS, access=access, header={"jwk": private_jwk})
    yield "jwk of another key", key.proof("GET", SESSIONS, access=access, header={"jwk": other.public_jwk})
    yield (
        "jwk of another curve",
        key.proof("GET", SESSIONS, access=access, header={"jwk": {**key.public_jwk, "crv": "P-384"}}),
    )
    yield (
        "jwk point off the curve",
        key.proof(
            "GET", SESSIONS, access=access, header={"jwk": {**key.public_jwk, "y": key.public_jwk["x"]}}
        ),
    )
    yield (
        "jwk RSA for ES256",
        key.proof(
            "GET",
            SESSIONS,
            access=access,
            header={"jwk": json.loads(RSAAlgorithm.to_jwk(small_rsa.public_key()))},
        ),
    )
    yield (
        "RSA key too small",
        ClientKey(small_rsa, "RS256").proof(
            "GET",
            SESSIONS,
            access=access,
            header={"jwk": json.loads(RSAAlgorithm.to_jwk(small_rsa.public_key()))},
        ),
    )
    yield "signed by another key", key.proof("GET", SESSIONS, access=access, key=other.private_key)
    yield "signature tampered", key.proof("GET", SESSIONS, access=access)[:-6] + "AAAAAA"
    yield "htm wrong", key.proof("POST", SESSIONS, access=access)
    yield "htm lower case", key.proof("get", SESSIONS, access=access)
    yield "htm missing", key.proof("GET", SESSIONS, access=access, claims={"htm": DROP})
    yield "htu other path", key.proof("GET", TODOS, access=access)
    yield "htu other host", key.proof("GET", "http://evil.example" + SESSIONS, access=access)
    yield "htu other scheme", key.proof("GET", "https://testserver" + SESSIONS, access=access)
    yield "htu other port", key.proof("GET", "http://testserver:8080" + SESSIONS, access=access)
    yield "htu not a string", key.proof("GET", SESSIONS, access=access, claims={"htu": 7})
    yield "htu missing", key.proof("GET", SESSIONS, access=access, claims={"htu": DROP})
    yield "htu with user info", key.proof("GET", "http://me@testserver" + SESSIONS, access=access)
    yield "iat missing", key.proof("GET", SESSIONS, access=access, claims={"iat": DROP})
    yield "iat a string", key.proof("GET", SESSIONS, access=access, claims={"iat": str(now)})
    yield "iat a boolean", key.proof("GET", SESSIONS, access=access, claims={"iat": True})
    yield "iat too old", key.proof("GET", SESSIONS, access=access, claims={"iat": now - 120})
    yield "iat in the future", key.proof("GET", SESSIONS, access=access, claims={"iat": now + 120})
    yield "iat huge", key.proof("GET", SESSIONS, access=access, claims={"iat": 10**30})
    yield "ath missing", key.proof("GET", SESSIONS)
    yield "ath of another token", key.proof("GET", SESSIONS, access=access + "x")
    yield "ath not a string", key.proof("GET", SESSIONS, access=access, claims={"ath": 1})
    yield "jti missing", key.proof("GET", SESSIONS, access=access, claims={"jti": DROP})
    yield "jti empty", key.proof("GET", SESSIONS, access=access, claims={"jti": ""})
    yield "jti a number", key.proof("GET", SESSIONS, access=access, claims={"jti": 12})
    yield "jti too long", key.proof("GET", SESSIONS, access=access, claims={"jti": "j" * 257})
    yield (
        "payload not an object",
        f"{_b64({'typ': 'dpop+jwt', 'alg': 'ES256', 'jwk': key.public_jwk})}.{base64.urlsafe_b64encode(b'[1]').decode().rstrip('=')}.AAAA",
    )
    good = key.proof("GET", SESSIONS, access=access)
    yield "two proofs", f"{good},{key.proof('GET', SESSIONS, access=access)}"
    yield "not a JWS", "garbage"
    yield "too long", "a" * 9000 + ".b.c"
    yield "header not JSON", "bm90IGpzb24." + good.split(".", 1)[1]


def ECAlgorithm_private(key):
    from jwt.algorithms import ECAlgorithm

    return ECAlgorithm.to_jwk(key.private_key, as_dict=True)


def test_every_wrong_proof_is_refused(api_client, bound, key):
    access = bound["access"]
    for name, proof in _wrong_proofs(key, access):
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"DPoP {access}", HTTP_DPOP=proof)
        assert response.status_code == 401, (name, response.content)
        assert response["WWW-Authenticate"].startswith("DPoP "), name
        assert 'error="invalid_dpop_proof"' in response["WWW-Authenticate"], name
    # The session survived every attempt.
    assert api_client.get(SESSIONS, **key.headers("GET", SESSIONS, access)).status_code == 200


def test_htu_ignores_query_fragment_case_and_default_port(api_client, bound, key):
    access = bound["access"]
    for url in (
        BASE + SESSIONS + "?page=1#top",
        "HTTP://TestServer" + SESSIONS,
        "http://testserver:80" + SESSIONS,
    ):
        response = api_client.get(SESSIONS + "?page=1", **key.headers("GET", url, access))
        assert response.status_code == 200, (url, response.content)


def test_htu_follows_the_trusted_proxy(api_client, bound, key, settings, behind_proxies):
    behind_proxies(1)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "api.example.com"]
    access = bound["access"]
    forwarded = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "evil.example, api.example.com"}
    public = "https://api.example.com" + SESSIONS
    assert api_client.get(SESSIONS, **forwarded, **key.headers("GET", public, access)).status_code == 200
    as_seen_inside = key.headers("GET", SESSIONS, access)
    assert_dpop_401(api_client.get(SESSIONS, **forwarded, **as_seen_inside))
    # The client's own entry (left of the proxy's) never counts.
    evil = "https://evil.example" + SESSIONS
    assert_dpop_401(api_client.get(SESSIONS, **forwarded, **key.headers("GET", evil, access)))
    # With no trusted proxy, the forwarded headers mean nothing.
    behind_proxies(0)
    assert_dpop_401(api_client.get(SESSIONS, **forwarded, **key.headers("GET", public, access)))
    assert api_client.get(SESSIONS, **forwarded, **key.headers("GET", SESSIONS, access)).status_code == 200


def test_a_forwarded_host_outside_allowed_hosts_does_not_count(api_client, bound, key, behind_proxies):
    """The host a proxy forwards must be one this server serves; else the request's own host counts."""
    behind_proxies(1)
    access = bound["access"]
    forwarded = {
        "HTTP_HOST": "testserver",
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_X_FORWARDED_HOST": "other.example",
    }
    other = key.headers("GET", "https://other.example" + SESSIONS, access)
    assert_dpop_401(api_client.get(SESSIONS, **forwarded, **other))
    own = key.headers("GET", "https://testserver" + SESSIONS, access)
    assert api_client.get(SESSIONS, **forwarded, **own).status_code == 200


def test_a_request_url_django_cannot_build_gets_401_not_an_error(key, behind_proxies):
    """Django's host check answers first in the full stack; verify_proof refuses such a request alone too."""
    behind_proxies(1)
    factory = RequestFactory()
    for host, forwarded in (
        ("other.example", None),
        ("testserver:99999", None),
        ("testserver", "testserver:99999"),
    ):
        headers = {"HTTP_HOST": host, "HTTP_DPOP": key.proof("GET", SESSIONS)}  # a readable htu
        if forwarded:
            headers["HTTP_X_FORWARDED_HOST"] = forwarded
        with pytest.raises(proofs.DPoPFailed) as refused:
            proofs.verify_proof(factory.get(SESSIONS, **headers))
        assert "cannot be read" in str(refused.value.detail), host
        assert refused.value.www_authenticate.startswith("DPoP ")


def test_a_proof_is_used_once(api_client, bound, key):
    headers = key.headers("GET", SESSIONS, bound["access"])
    assert api_client.get(SESSIONS, **headers).status_code == 200
    assert_dpop_401(api_client.get(SESSIONS, **headers))
    # Another key may use the same jti: records are per key.
    assert dpop_replay_first_use(ClientKey().jkt, "same") and dpop_replay_first_use(ClientKey().jkt, "same")


def dpop_replay_first_use(jkt, jti):
    from accounts.dpop import replay

    return replay.first_use(jkt=jkt, jti=jti, valid_until=time.time() + 60)


def test_a_refresh_proof_is_used_once(api_client, bound, key):
    headers = key.headers("POST", REFRESH, bound["refresh"], access=False)
    first = api_client.post(REFRESH, **headers)
    assert first.status_code == 200
    # The same proof with the new refresh token: refused as a replay (the new token is not spent).
    again = api_client.post(
        REFRESH, HTTP_AUTHORIZATION=f"DPoP {first.json()['refresh']}", HTTP_DPOP=headers["HTTP_DPOP"]
    )
    assert_dpop_401(again)
    fresh = api_client.post(REFRESH, **key.headers("POST", REFRESH, first.json()["refresh"], access=False))
    assert fresh.status_code == 200


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, True), (-61, False), (60, True), (61, False), (-59.5, True), (60.5, False)]
)
def test_iat_window_edges(api_client, bound, key, offset, accepted):
    start = int(time.time())
    with time_machine.travel(datetime.fromtimestamp(start, tz=UTC), tick=False):
        proof = key.proof("GET", SESSIONS, access=bound["access"], claims={"iat": start + offset})
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"DPoP {bound['access']}", HTTP_DPOP=proof)
    if accepted:
        assert response.status_code == 200, response.content
    else:
        assert_dpop_401(response)


@pytest.fixture
def database_record(settings):
    """Keep the replay record in the database, whatever REDIS_URL says."""
    settings.DPOP_REPLAY_REDIS_URL = None


def test_a_lapsed_record_lets_its_jti_be_used_again(bound, key, database_record):
    from accounts.dpop import replay

    assert replay.first_use(jkt=key.jkt, jti="again", valid_until=time.time() - 1)
    assert replay.first_use(jkt=key.jkt, jti="again", valid_until=time.time() + 60)
    assert not replay.first_use(jkt=key.jkt, jti="again", valid_until=time.time() + 60)


def test_records_are_digests_and_pruned(bound, key, monkeypatch, database_record):
    from accounts.dpop import replay

    monkeypatch.setattr(replay, "_last_prune", 0.0)
    DPoPProofUse.objects.create(key="0" * 64, expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    assert replay.first_use(jkt=key.jkt, jti="x", valid_until=time.time() + 60)
    keys = set(DPoPProofUse.objects.values_list("key", flat=True))
    assert "0" * 64 not in keys
    assert replay.proof_key(jkt=key.jkt, jti="x") in keys
    assert all(len(stored) == 64 for stored in keys)


# --- DPOP_REQUIRED --------------------------------------------------------------------------


def test_dpop_required_refuses_unbound_logins_and_registers(api_client, user, key, settings):
    settings.DPOP_REQUIRED = True
    body = {"email": user.email, "password": PASSWORD}
    assert_dpop_401(api_client.post(LOGIN, body, format="json"))
    assert_dpop_401(
        api_client.post(REGISTER, {"email": "n@example.com", "password": PASSWORD}, format="json")
    )
    response = api_client.post(LOGIN, body, format="json", HTTP_DPOP=key.proof("POST", LOGIN))
    assert response.status_code == 200 and response.json()["token_type"] == "DPoP"


def test_dpop_required_ends_unbound_sessions_at_their_next_refresh(api_client, login, user, settings):
    tokens = login(user)
    settings.DPOP_REQUIRED = True
    assert_dpop_401(api_client.post(REFRESH, **bearer(tokens["refresh"])))
    # Logging out stays possible.
    assert api_client.post(LOGOUT, **bearer(tokens["refresh"])).status_code == 204


def test_a_bad_proof_at_login_is_refused_before_the_credentials_count(api_client, user, key):
    response = api_client.post(
        LOGIN,
        {"email": user.email, "password": PASSWORD},
        format="json",
        HTTP_DPOP=key.proof("POST", REGISTER),
    )
    assert_dpop_401(response)
    assert not DeviceSession.objects.exists()


# --- Grace window, costs, logs, thumbprints -------------------------------------------------


def test_grace_window_retry_stays_bound(api_client, bound, key, settings):
    from datetime import timedelta

    settings.REFRESH_REUSE_GRACE = timedelta(seconds=30)
    first = api_client.post(REFRESH, **key.headers("POST", REFRESH, bound["refresh"], access=False))
    retry = api_client.post(REFRESH, **key.headers("POST", REFRESH, bound["refresh"], access=False))
    assert first.status_code == retry.status_code == 200
    assert retry.json()["token_type"] == "DPoP"
    assert claims(retry.json()["refresh"])["cnf"] == {"jkt": key.jkt}


def test_bound_refresh_costs_the_rotation_and_the_replay_record(api_client, bound, key, database_record):
    headers = key.headers("POST", REFRESH, bound["refresh"], access=False)
    with CaptureQueriesContext(connection) as captured:
        assert api_client.post(REFRESH, **headers).status_code == 200
    work = [
        q["sql"].split()[0]
        for q in captured.captured_queries
        if q["sql"].split()[0] in ("INSERT", "UPDATE", "SELECT", "DELETE")
    ]
    # Without Redis the replay record is one INSERT (and, once a minute, a DELETE of lapsed ones).
    assert work[-2:] == ["INSERT", "UPDATE"], work


def test_refusals_are_logged_without_proof_or_token(api_client, bound, key, caplog):
    proof = key.proof("GET", TODOS, access=bound["access"])
    with caplog.at_level(logging.DEBUG):
        response = api_client.get(SESSIONS, HTTP_AUTHORIZATION=f"DPoP {bound['access']}", HTTP_DPOP=proof)
    assert response.status_code == 401
    assert "DPoP refused on GET /api/auth/sessions/: Invalid DPoP proof: htu" in caplog.text
    for secret in (proof, bound["access"], proof.split(".")[2], bound["access"].split(".")[2]):
        assert secret not in caplog.text


def test_thumbprint_matches_rfc_7638_example():
    # RFC 7638, section 3.1.
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_a_forged_cnf_claim_is_refused_not_a_500(api_client, bound, key):
    from accounts.tests.helpers import sign

    payload = claims(bound["access"])
    for cnf in ("x", {"jkt": 5}, {"jkt": "short"}, [1]):
        forged = sign({**payload, "cnf": cnf})
        response = api_client.get(SESSIONS, **key.headers("GET", SESSIONS, forged))
        assert response.status_code == 401, cnf
