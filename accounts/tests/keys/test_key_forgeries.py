"""Every forged token gets 401, on a resource endpoint and on /api/auth/refresh/, with each algorithm.

Tokens are built by hand (header, payload, signature) so that headers PyJWT would refuse to
write (a non-string kid, ``alg: none``) can be sent too.
"""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from accounts.jwk import public_jwk, thumbprint
from accounts.keys import keyring
from accounts.keys.keyring import hmac_kid
from accounts.tests.helpers import REFRESH_URL, SESSIONS_URL, bearer
from accounts.tests.key_files import HMAC_SECRETS, b64, pem_public, raw_token, use_keys

pytestmark = pytest.mark.django_db

ALGORITHMS = ("HS256", "RS256", "ES256", "EdDSA")


class Setup:
    """The keys of one configuration, and the claims of a real token pair to forge from."""

    def __init__(self, algorithm, settings, tmp_path, private_keys):
        self.algorithm = algorithm
        if algorithm == "HS256":
            self.active, self.fallback = HMAC_SECRETS[1].encode(), HMAC_SECRETS[0].encode()
            self.stranger = b"a-stranger-secret-that-is-long-enough-0123"
            use_keys(settings, "HS256", active=HMAC_SECRETS[1], fallbacks=[HMAC_SECRETS[0]])
        else:
            self.active, self.fallback = private_keys[algorithm]
            self.stranger = type(self).new_like(algorithm, private_keys)
            use_keys(settings, algorithm, active=self.active, fallbacks=[self.fallback], directory=tmp_path)
        self.ring = keyring.current()

    @staticmethod
    def new_like(algorithm, private_keys):
        from accounts.keys.services import new_private_key

        return new_private_key(algorithm)

    def kid_of(self, key):
        if self.algorithm == "HS256":
            return hmac_kid(key)
        return thumbprint(public_jwk(key.public_key()))

    def sign(self, payload, key=None, header=None, algorithm=None):
        """Sign ``payload`` with ``key`` (the active one) and its kid, or with the given header."""
        key = self.active if key is None else key
        header = (
            {"alg": algorithm or self.algorithm, "kid": self.kid_of(key), "typ": "JWT"}
            if header is None
            else header
        )
        return raw_token(header, payload, key, algorithm or self.algorithm)


@pytest.fixture(params=ALGORITHMS)
def setup(request, settings, tmp_path, private_keys):
    return Setup(request.param, settings, tmp_path, private_keys)


@pytest.fixture
def tokens(setup, user, login):
    return login(user)


def unverified(token):
    return jwt.decode(token, options={"verify_signature": False})


def present(api_client, kind, token):
    """Send ``token`` where a token of ``kind`` belongs: a resource endpoint, or the refresh endpoint."""
    if kind == "access":
        return api_client.get(SESSIONS_URL, **bearer(token))
    return api_client.post(REFRESH_URL, **bearer(token))


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert {"detail", "code"} <= set(response.json())


KINDS = ["access", "refresh"]


# --- Controls: what must keep working ------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_tokens_carry_the_active_kid_and_work(api_client, setup, tokens, kind):
    header = jwt.get_unverified_header(tokens[kind])
    assert header["kid"] == setup.ring.active.kid
    assert header["alg"] == setup.algorithm
    assert present(api_client, kind, tokens[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_hand_made_token_of_the_active_key_works(api_client, setup, tokens, kind):
    # The forgeries below differ from this one in one point each.
    assert present(api_client, kind, setup.sign(unverified(tokens[kind]))).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_token_of_a_fallback_key_works_and_refreshes_onto_the_active_key(api_client, setup, tokens, kind):
    old = setup.sign(unverified(tokens[kind]), key=setup.fallback)
    assert jwt.get_unverified_header(old)["kid"] != setup.ring.active.kid
    response = present(api_client, kind, old)
    assert response.status_code == 200
    if kind == "refresh":
        for new in ("access", "refresh"):
            assert jwt.get_unverified_header(response.json()[new])["kid"] == setup.ring.active.kid


# --- Forgeries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_alg_none(api_client, setup, tokens, kind):
    forged = raw_token({"alg": "none", "kid": setup.ring.active.kid}, unverified(tokens[kind]))
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("alg", ["None", "NONE", ""])
def test_alg_none_spelled_otherwise(api_client, setup, tokens, kind, alg):
    forged = raw_token({"alg": alg, "kid": setup.ring.active.kid}, unverified(tokens[kind]))
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("setup", [alg for alg in ALGORITHMS if alg != "HS256"], indirect=True)
def test_hs256_signed_with_the_public_key(api_client, setup, tokens, kind):
    """Only key pairs have a public key to pass off as an HMAC secret."""
    for public in (pem_public(setup.active), pem_public(setup.active).strip()):
        header = {"alg": "HS256", "kid": setup.ring.active.kid, "typ": "JWT"}
        forged = raw_token(header, unverified(tokens[kind]), public, "HS256-raw")
        assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_kid(api_client, setup, tokens, kind):
    forged = setup.sign(unverified(tokens[kind]), key=setup.stranger)
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
def test_known_kid_but_another_key(api_client, setup, tokens, kind):
    header = {"alg": setup.algorithm, "kid": setup.ring.active.kid}
    forged = setup.sign(unverified(tokens[kind]), key=setup.stranger, header=header)
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
def test_kid_of_the_fallback_on_a_token_of_the_active_key(api_client, setup, tokens, kind):
    header = {"alg": setup.algorithm, "kid": setup.ring.fallbacks[0].kid}
    assert_refused(present(api_client, kind, setup.sign(unverified(tokens[kind]), header=header)))


@pytest.mark.parametrize("kind", KINDS)
def test_missing_kid(api_client, setup, tokens, kind):
    forged = setup.sign(unverified(tokens[kind]), header={"alg": setup.algorithm, "typ": "JWT"})
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("kid", [12, None, ["x"], {"kid": "x"}, "", "../../etc/passwd", "x" * 10_000])
def test_odd_kids_are_refused_not_crashed(api_client, setup, tokens, kind, kid):
    forged = setup.sign(unverified(tokens[kind]), header={"alg": setup.algorithm, "kid": kid})
    assert_refused(present(api_client, kind, forged))


def attacker_jwk(setup):
    """Return a public JWK of the attacker's key (the stranger), as a forger would embed it."""
    if setup.algorithm == "HS256":
        return {"kty": "oct", "k": b64(setup.stranger)}
    return public_jwk(setup.stranger.public_key())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["jku", "x5u", "jwk", "x5c"])
def test_headers_pointing_at_other_keys(api_client, setup, tokens, kind, name):
    value = {
        "jku": "http://127.0.0.1:9/jwks.json",
        "x5u": "http://127.0.0.1:9/cert.pem",
        "jwk": attacker_jwk(setup),
        "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"],
    }[name]
    payload = unverified(tokens[kind])
    # Signed by the attacker's key, as the header says...
    header = {"alg": setup.algorithm, "kid": setup.ring.active.kid, name: value}
    assert_refused(present(api_client, kind, setup.sign(payload, key=setup.stranger, header=header)))
    # ...and even by the right key: such a header is refused, not ignored.
    assert_refused(present(api_client, kind, setup.sign(payload, header=header)))


@pytest.mark.parametrize("kind", KINDS)
def test_crit_header(api_client, setup, tokens, kind):
    header = {"alg": setup.algorithm, "kid": setup.ring.active.kid, "crit": ["b64"], "b64": True}
    assert_refused(present(api_client, kind, setup.sign(unverified(tokens[kind]), header=header)))


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_algorithm(api_client, setup, tokens, kind):
    payload = unverified(tokens[kind])
    kid = setup.ring.active.kid
    if setup.algorithm == "HS256":
        forgeries = [
            setup.sign(payload, header={"alg": "HS512", "kid": kid}, algorithm="HS512"),
            raw_token({"alg": "RS256", "kid": kid}, payload, rsa.generate_private_key(65537, 2048), "RS256"),
        ]
    elif setup.algorithm == "RS256":
        # The very key that signs, under another algorithm.
        forgeries = [
            setup.sign(payload, header={"alg": "PS256", "kid": kid}, algorithm="PS256"),
            setup.sign(payload, header={"alg": "RS512", "kid": kid}, algorithm="RS512"),
        ]
    else:
        forgeries = [
            raw_token(
                {"alg": "ES384", "kid": kid}, payload, ec.generate_private_key(ec.SECP384R1()), "ES384"
            ),
            raw_token({"alg": "HS256", "kid": kid}, payload, setup.ring.active.kid.encode(), "HS256-raw"),
        ]
    for forged in forgeries:
        assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_garbled_segments(api_client, setup, tokens, kind, part):
    header, payload, signature = tokens[kind].split(".")
    garbage = {"header": "!!", "payload": b64(b"[1,2]"), "signature": "A"}[part]
    segments = {"header": header, "payload": payload, "signature": signature, part: garbage}
    forged = ".".join(segments[name] for name in ("header", "payload", "signature"))
    assert_refused(present(api_client, kind, forged))


@pytest.mark.parametrize("kind", KINDS)
def test_header_that_is_not_an_object(api_client, setup, tokens, kind):
    _, payload, signature = tokens[kind].split(".")
    for header in (b'"kid"', b"[]", b"null", b"{"):
        assert_refused(present(api_client, kind, f"{b64(header)}.{payload}.{signature}"))


# --- Issuer and audience -------------------------------------------------------------------------

ISSUER, AUDIENCE = "https://auth.example.test", "todos-api"


@pytest.fixture
def iss_aud(settings, setup):
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}
    return setup


@pytest.mark.parametrize("kind", KINDS)
def test_issuer_and_audience_are_carried_and_required(api_client, iss_aud, user, login, kind):
    tokens = login(user)
    payload = unverified(tokens[kind])
    assert (payload["iss"], payload["aud"]) == (ISSUER, AUDIENCE)
    assert present(api_client, kind, tokens[kind]).status_code == 200
    without_iss = {k: v for k, v in payload.items() if k != "iss"}
    without_aud = {k: v for k, v in payload.items() if k != "aud"}
    for forged in (
        without_iss,
        without_aud,
        {**payload, "iss": "https://evil.example.test"},
        {**payload, "aud": "another-api"},
        {**payload, "aud": ["another-api"]},
        {**payload, "iss": 12},
    ):
        assert_refused(present(api_client, kind, iss_aud.sign(forged)))


@pytest.mark.parametrize("kind", KINDS)
def test_token_from_before_issuer_was_set_is_refused(api_client, settings, setup, user, login, kind):
    tokens = login(user)
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}
    assert_refused(present(api_client, kind, tokens[kind]))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("part", ["header", "payload"])
def test_json_nested_past_the_recursion_limit(api_client, setup, tokens, kind, part):
    header, payload, signature = tokens[kind].split(".")
    nested = b64(b"[" * 100_000 + b"]" * 100_000)
    forged = f"{nested}.{payload}.{signature}" if part == "header" else f"{header}.{nested}.{signature}"
    assert_refused(present(api_client, kind, forged))
