"""The keyring: kids, loading from settings and files, and every misconfiguration refused."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from accounts.jwk import public_jwk, thumbprint
from accounts.keys import keyring
from accounts.keys.keyring import KeyConfig, KeyringError, hmac_kid, load_keyring
from accounts.tests.key_files import ASYMMETRIC, HMAC_SECRETS, pem_public, write_key

# Not for the keyring: the suite's autouse fixture clears the cache, a database table here.
pytestmark = pytest.mark.django_db

# RFC 7638, section 3.1: this RSA key's thumbprint is the kid below.
RFC7638_JWK = {
    "kty": "RSA",
    "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_KID = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def asymmetric(algorithm, path, *fallbacks):
    return KeyConfig(
        algorithm=algorithm, private_key_file=str(path), fallback_files=[str(f) for f in fallbacks]
    )


# --- kids ----------------------------------------------------------------------------------------


def test_thumbprint_matches_rfc7638_example():
    assert thumbprint(RFC7638_JWK) == RFC7638_KID


def test_public_jwk_of_a_key_gives_the_rfc7638_thumbprint():
    key = jwt.PyJWK(RFC7638_JWK).key
    assert thumbprint(public_jwk(key)) == RFC7638_KID
    assert {k: v for k, v in public_jwk(key).items()} == {"kty": "RSA", "n": RFC7638_JWK["n"], "e": "AQAB"}


def test_ec_coordinates_are_padded_to_the_curve_size():
    # One key in 256 has a coordinate with a leading zero byte; padding must keep 32 bytes.
    for _ in range(600):
        jwk = public_jwk(ec.generate_private_key(ec.SECP256R1()).public_key())
        assert len(jwk["x"]) == len(jwk["y"]) == 43  # 32 bytes, base64url without padding


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_kid_is_the_thumbprint_pyjwt_agrees_with(tmp_path, private_keys, algorithm):
    key = private_keys[algorithm][0]
    ring = load_keyring(asymmetric(algorithm, write_key(tmp_path, "k.pem", key)))
    published = ring.jwks()["keys"][0]
    assert published["kid"] == ring.active.kid == thumbprint(published)
    assert (published["alg"], published["use"]) == (algorithm, "sig")
    # PyJWT reads the published JWK back into the same public key.
    assert pem_public(key) == pem_public_of(jwt.PyJWK(published).key)


def pem_public_of(public_key):
    from cryptography.hazmat.primitives import serialization

    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_hmac_kid_names_the_secret_without_giving_it_away():
    one, two = HMAC_SECRETS
    assert hmac_kid(one.encode()) == hmac_kid(one.encode())
    assert hmac_kid(one.encode()) != hmac_kid(two.encode())
    kid = hmac_kid(one.encode())
    assert one not in kid and one[:8] not in kid
    assert kid.startswith("hs-") and len(kid) == 3 + 16


# --- HMAC ----------------------------------------------------------------------------------------


def test_hs256_defaults_to_the_django_secret_and_its_fallbacks():
    old, new = HMAC_SECRETS
    ring = load_keyring(KeyConfig(secret_key=new, secret_key_fallbacks=[old]))
    assert ring.algorithm == "HS256"
    assert ring.active.kid == hmac_kid(new.encode()) and ring.active.can_sign
    assert [key.kid for key in ring.fallbacks] == [hmac_kid(old.encode())]
    assert not ring.fallbacks[0].can_sign
    assert ring.jwks() == {"keys": []}


def test_jwt_signing_key_takes_over_with_its_own_fallbacks():
    one, two = HMAC_SECRETS
    ring = load_keyring(
        KeyConfig(
            signing_key=two,
            signing_key_fallbacks=[f" {one} ", ""],
            secret_key="x" * 50,
            secret_key_fallbacks=["y" * 50],
        )
    )
    assert ring.active.kid == hmac_kid(two.encode())
    # Django's fallbacks belong to Django's key: once JWT_SIGNING_KEY is set they verify no token.
    assert [key.kid for key in ring.fallbacks] == [hmac_kid(one.encode())]
    assert ring.get(hmac_kid(b"y" * 50)) is None


def test_a_short_secret_is_a_warning():
    assert load_keyring(KeyConfig(secret_key="short")).warnings
    assert not load_keyring(KeyConfig(secret_key=HMAC_SECRETS[0])).warnings


def test_a_public_key_as_hmac_secret_is_refused(private_keys):
    pem = pem_public(private_keys["RS256"][0]).decode()
    with pytest.raises(KeyringError, match="JWT_SIGNING_KEY looks like a PEM") as caught:
        load_keyring(KeyConfig(signing_key=pem))
    assert "-----" not in str(caught.value)


def test_an_empty_secret_is_refused():
    with pytest.raises(KeyringError, match="DJANGO_SECRET_KEY is empty"):
        load_keyring(KeyConfig(secret_key=""))


# --- Key files -----------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_fallbacks_private_or_public_verify_but_never_sign(tmp_path, private_keys, algorithm):
    active, old = private_keys[algorithm]
    ring = load_keyring(
        asymmetric(
            algorithm,
            write_key(tmp_path, "new.pem", active),
            write_key(tmp_path, "old.pem", old),
            write_key(tmp_path, "old.pub", old, public=True, mode=0o644),
            write_key(tmp_path, "again.pem", active),  # the active key again: listed once
        )
    )
    assert ring.active.can_sign
    assert len(ring.fallbacks) == 3 and not any(key.can_sign for key in ring.fallbacks)
    assert [key["kid"] for key in ring.jwks()["keys"]] == [ring.active.kid, ring.fallbacks[0].kid]
    assert ring.fallbacks[0].kid == ring.fallbacks[1].kid != ring.active.kid


def refused(config, match):
    with pytest.raises(KeyringError, match=match) as caught:
        load_keyring(config)
    message = str(caught.value)
    assert "-----" not in message  # no PEM text, whatever the file held
    return message


def test_unknown_algorithm():
    refused(
        KeyConfig(algorithm="HS512", secret_key=HMAC_SECRETS[0]), "JWT_ALGORITHM='HS512' is not supported"
    )
    refused(KeyConfig(algorithm="none", secret_key=HMAC_SECRETS[0]), "not supported")


def test_asymmetric_without_a_key_file():
    refused(KeyConfig(algorithm="ES256"), "JWT_ALGORITHM=ES256 needs JWT_PRIVATE_KEY_FILE")


def test_missing_file(tmp_path):
    refused(asymmetric("ES256", tmp_path / "nope.pem"), r"JWT_PRIVATE_KEY_FILE: .*nope.pem does not exist")


def test_missing_fallback_file(tmp_path, private_keys):
    path = write_key(tmp_path, "k.pem", private_keys["ES256"][0])
    refused(
        asymmetric("ES256", path, tmp_path / "gone.pem"), r"JWT_KEY_FALLBACK_FILES: .*gone.pem does not exist"
    )


def test_directory_is_not_a_key(tmp_path):
    refused(asymmetric("ES256", tmp_path), "cannot be read|not a regular file")


@pytest.mark.parametrize(("algorithm", "other"), [("ES256", "RS256"), ("RS256", "EdDSA"), ("EdDSA", "ES256")])
def test_wrong_key_type(tmp_path, private_keys, algorithm, other):
    refused(
        asymmetric(algorithm, write_key(tmp_path, "k.pem", private_keys[other][0])),
        f"as JWT_ALGORITHM={algorithm} needs",
    )


def test_wrong_curve_for_es256(tmp_path):
    path = write_key(tmp_path, "k.pem", ec.generate_private_key(ec.SECP384R1()))
    refused(asymmetric("ES256", path), "not an EC P-256 key")


def test_wrong_key_type_in_a_fallback(tmp_path, private_keys):
    path = write_key(tmp_path, "k.pem", private_keys["ES256"][0])
    other = write_key(tmp_path, "o.pub", private_keys["RS256"][0], public=True)
    refused(asymmetric("ES256", path, other), "JWT_KEY_FALLBACK_FILES: .* not an EC P-256 key")


def test_rsa_under_2048_bits(tmp_path):
    path = write_key(tmp_path, "k.pem", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    refused(asymmetric("RS256", path), "1024-bit RSA key; RS256 needs 2048 or more")


@pytest.mark.parametrize("mode", [0o644, 0o604, 0o602])
def test_private_key_open_to_every_user(tmp_path, private_keys, mode):
    path = write_key(tmp_path, "k.pem", private_keys["ES256"][0], mode=mode)
    refused(asymmetric("ES256", path), "readable or writable by every user")


def test_group_readable_private_key_is_accepted(tmp_path, private_keys):
    # A group that runs the server (a container's, a deploy user's) may read the key.
    path = write_key(tmp_path, "k.pem", private_keys["ES256"][0], mode=0o640)
    assert load_keyring(asymmetric("ES256", path)).active.can_sign


def test_world_readable_private_key_as_fallback_is_refused_too(tmp_path, private_keys):
    path = write_key(tmp_path, "k.pem", private_keys["ES256"][0])
    old = write_key(tmp_path, "old.pem", private_keys["ES256"][1], mode=0o644)
    refused(asymmetric("ES256", path, old), "JWT_KEY_FALLBACK_FILES: .* every user")


def test_public_key_cannot_sign(tmp_path, private_keys):
    path = write_key(tmp_path, "k.pub", private_keys["ES256"][0], public=True)
    refused(asymmetric("ES256", path), "holds no PEM private key")


def test_encrypted_private_key(tmp_path, private_keys):
    from cryptography.hazmat.primitives import serialization

    path = tmp_path / "k.pem"
    path.write_bytes(
        private_keys["ES256"][0].private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    path.chmod(0o600)
    refused(asymmetric("ES256", path), "is encrypted")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a key", b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"],
)
def test_garbage_file(tmp_path, content):
    path = tmp_path / "k.pem"
    path.write_bytes(content)
    path.chmod(0o600)
    refused(asymmetric("ES256", path), "no PEM|not a valid PEM")


# --- The process's keyring -----------------------------------------------------------------------


def test_current_keyring_follows_the_settings(settings, tmp_path, private_keys):
    before = keyring.current()
    assert keyring.current() is before  # loaded once, kept
    settings.JWT_ALGORITHM = "ES256"
    settings.JWT_PRIVATE_KEY_FILE = str(write_key(tmp_path, "k.pem", private_keys["ES256"][0]))
    assert keyring.current().algorithm == "ES256"
    settings.JWT_SIGNING_KEY = HMAC_SECRETS[0]
    settings.JWT_ALGORITHM = "HS256"
    assert keyring.current().active.kid == hmac_kid(HMAC_SECRETS[0].encode())


# --- HS256 without checking the secret again (accounts.keys.backend) ---------------------------


def test_keyring_secrets_are_checked_once_and_signed_with_as_they_are():
    from accounts.keys.backend import CheckedHMACAlgorithm, KeyringTokenBackend

    ring = load_keyring(KeyConfig(secret_key=HMAC_SECRETS[0]))
    assert type(ring.active.signing_key) is keyring.CheckedSecret
    algorithm = CheckedHMACAlgorithm(CheckedHMACAlgorithm.SHA256)
    assert algorithm.prepare_key(ring.active.signing_key) is ring.active.signing_key
    # Anything else still meets PyJWT's guard against algorithm confusion.
    pem = pem_public(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(jwt.InvalidKeyError):
        algorithm.prepare_key(pem)
    # The tokens are plain HS256: stock PyJWT verifies them with the raw secret, and ours
    # verifies what stock PyJWT signs.
    backend = KeyringTokenBackend(ring)
    token = backend.encode({"sub": "1", "exp": 4102444800})
    assert jwt.decode(token, HMAC_SECRETS[0], algorithms=["HS256"])["sub"] == "1"
    stock = jwt.encode({"sub": "2", "exp": 4102444800}, HMAC_SECRETS[0], headers={"kid": ring.active.kid})
    assert backend.decode(stock)["sub"] == "2"
    forged = jwt.encode(
        {"sub": "3", "exp": 4102444800}, "another-secret-" * 3, headers={"kid": ring.active.kid}
    )
    with pytest.raises(Exception, match="invalid"):
        backend.decode(forged)
