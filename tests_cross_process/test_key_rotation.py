"""Key rotation across server restarts, following the README's steps, on a real gunicorn server.

1. The server signs with key A. 2. Generate key B; restart with B active and A as fallback:
tokens of A keep working (nobody is logged out), new tokens carry B's kid. 3. After one
refresh lifetime, restart without A: a token of A that was never refreshed is refused, the
tokens from step 2 work. Once with ES256 key files, once with Django's secret key (HS256).

The server uses its own SQLite file and no Redis, so that nothing is shared with another
test run on the machine. Another service verifies the access tokens through the JWK Set
with examples/verify_with_jwks.py, run as a script.
"""

import subprocess

import jwt
import pytest

from testing.servers import PYTHON, ROOT, Gunicorn, manage, migrate, request, server_env

PASSWORD = "key-Rotation-passw0rd"
SECRET_A = "rotation-test-secret-key-A-0123456789abcdefghijklmnop"
SECRET_B = "rotation-test-secret-key-B-0123456789abcdefghijklmnop"


def register(port, email):
    status, body = request(port, "POST", "/api/auth/register/", body={"email": email, "password": PASSWORD})
    assert status == 201, body
    return body


def kid(token):
    return jwt.get_unverified_header(token)["kid"]


def works(port, tokens):
    """Return (access status on a resource endpoint, refresh status, the refreshed pair or None)."""
    access_status = request(port, "GET", "/api/todos/", token=tokens["access"])[0]
    refresh_status, body = request(port, "POST", "/api/auth/refresh/", token=tokens["refresh"])
    return access_status, refresh_status, body if refresh_status == 200 else None


def verify_with_example(port, access):
    return subprocess.run(  # noqa: S603 - a fixed command line
        [
            PYTHON,
            "examples/verify_with_jwks.py",
            "--jwks-url",
            f"http://127.0.0.1:{port}/.well-known/jwks.json",
            access,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def base_env(tmp_path):
    env = server_env(database_url=f"sqlite:///{tmp_path / 'keys.sqlite3'}")
    for name in list(env):
        if name.startswith("JWT_") or name == "DJANGO_SECRET_KEY_FALLBACKS":
            del env[name]
    migrate(env)
    return env


def rotate(base_env, tmp_path, algorithm):
    """Return the environments of the three steps (before, new key + old as fallback, after) and the kids.

    The kids are those generate_signing_key printed, or None for HMAC secrets.
    """
    if algorithm == "HS256":
        envs = (
            {**base_env, "DJANGO_SECRET_KEY": SECRET_A},
            {**base_env, "DJANGO_SECRET_KEY": SECRET_B, "DJANGO_SECRET_KEY_FALLBACKS": SECRET_A},
            {**base_env, "DJANGO_SECRET_KEY": SECRET_B},
        )
        return envs, None, None
    keys = {}
    for name in ("a", "b"):
        path = tmp_path / f"{name}.pem"
        out = manage(base_env, "generate_signing_key", "--algorithm", algorithm, "--out", str(path))
        keys[name] = path, out.stdout.splitlines()[-1].removeprefix("kid: ")
    common = {**base_env, "JWT_ALGORITHM": algorithm}
    envs = (
        {**common, "JWT_PRIVATE_KEY_FILE": str(keys["a"][0])},
        {**common, "JWT_PRIVATE_KEY_FILE": str(keys["b"][0]), "JWT_KEY_FALLBACK_FILES": str(keys["a"][0])},
        {**common, "JWT_PRIVATE_KEY_FILE": str(keys["b"][0])},
    )
    return envs, keys["a"][1], keys["b"][1]


@pytest.mark.parametrize("algorithm", ["ES256", "HS256"])
def test_rotation_logs_nobody_out(tmp_path, base_env, algorithm):
    (before, during, after), kid_a, kid_b = rotate(base_env, tmp_path, algorithm)
    logs = tmp_path / "server.log"

    with Gunicorn(before, log=logs) as server:
        refreshed_later = register(server.port, "alice@example.com")
        never_refreshed = register(server.port, "bob@example.com")
        kid_a = kid_a or kid(refreshed_later["access"])
        assert kid(refreshed_later["access"]) == kid(refreshed_later["refresh"]) == kid_a
        jwks_before = request(server.port, "GET", "/.well-known/jwks.json")[1]["keys"]

    # Step 2: the new key signs, the old one verifies. Nobody is logged out.
    with Gunicorn(during, log=logs) as server:
        access_status, refresh_status, pair = works(server.port, refreshed_later)
        assert (access_status, refresh_status) == (200, 200)
        kid_b = kid_b or kid(pair["access"])
        assert kid_b != kid_a
        assert kid(pair["access"]) == kid(pair["refresh"]) == kid_b
        assert request(server.port, "GET", "/api/todos/", token=never_refreshed["access"])[0] == 200
        newcomer = register(server.port, "carol@example.com")
        assert kid(newcomer["access"]) == kid_b
        jwks_during = request(server.port, "GET", "/.well-known/jwks.json")[1]["keys"]
        if algorithm != "HS256":
            assert [key["kid"] for key in jwks_before] == [kid_a]
            assert [key["kid"] for key in jwks_during] == [kid_b, kid_a]
            # Another service, with the JWK Set alone: old and new access tokens verify.
            for access in (pair["access"], never_refreshed["access"]):
                result = verify_with_example(server.port, access)
                assert result.returncode == 0, result.stderr
                assert '"token_type": "access"' in result.stdout
            refused = verify_with_example(server.port, pair["refresh"])
            assert refused.returncode == 1 and "not an access token" in refused.stderr
        else:
            assert jwks_before == jwks_during == []

    # Step 3, one refresh lifetime later: the old key is dropped. Whoever refreshed is still in.
    with Gunicorn(after, log=logs) as server:
        access_status, refresh_status, _ = works(server.port, never_refreshed)
        assert (access_status, refresh_status) == (401, 401)
        access_status, refresh_status, again = works(server.port, pair)
        assert (access_status, refresh_status) == (200, 200)
        assert kid(again["access"]) == kid_b
        assert works(server.port, newcomer)[:2] == (200, 200)
        if algorithm != "HS256":
            assert [
                key["kid"] for key in request(server.port, "GET", "/.well-known/jwks.json")[1]["keys"]
            ] == [kid_b]
            assert verify_with_example(server.port, never_refreshed["access"]).returncode == 1


def test_server_does_not_start_with_a_bad_key(tmp_path, base_env):
    log = tmp_path / "bad.log"
    env = {**base_env, "JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(tmp_path / "missing.pem")}
    with pytest.raises(RuntimeError, match="gunicorn exited"):
        Gunicorn(env, log=log).start(timeout=60)
    assert "missing.pem does not exist" in log.read_text()
