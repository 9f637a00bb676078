"""``manage.py check`` on bad key configurations, and ``manage.py generate_signing_key``, as subprocesses.

Each runs ``manage.py`` with the environment variables an operator would set, so that the
whole path from the environment through config/settings.py to the keyring is exercised.
"""

import stat
import subprocess

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from accounts.jwk import public_jwk, thumbprint
from accounts.tests.key_files import pem_private, pem_public, write_key
from testing.servers import PYTHON, ROOT, server_env

pytestmark = pytest.mark.django_db  # for the suite's autouse cache fixture only


def manage(tmp_path, *args, **env):
    """Run ``manage.py args`` with ``env`` on a throwaway SQLite database; return the completed process."""
    return subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=server_env(database_url=f"sqlite:///{tmp_path / 'check.sqlite3'}", **env),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def bad_configurations(tmp_path_factory, private_keys):
    """Return name -> (environment, the message expected) for each misconfiguration."""
    d = tmp_path_factory.mktemp("keys")
    es = write_key(d, "es.pem", private_keys["ES256"][0])
    rsa_small = write_key(d, "rsa1024.pem", rsa.generate_private_key(public_exponent=65537, key_size=1024))
    open_key = write_key(d, "open.pem", private_keys["ES256"][1], mode=0o644)
    p384 = write_key(d, "p384.pem", ec.generate_private_key(ec.SECP384R1()))
    garbage = d / "garbage.pem"
    garbage.write_text("not a key\n")
    public_pem = pem_public(private_keys["RS256"][0]).decode()
    return {
        "unknown algorithm": ({"JWT_ALGORITHM": "HS999"}, "JWT_ALGORITHM='HS999' is not supported"),
        "alg none": ({"JWT_ALGORITHM": "none"}, "JWT_ALGORITHM='none' is not supported"),
        "no key file": ({"JWT_ALGORITHM": "ES256"}, "JWT_ALGORITHM=ES256 needs JWT_PRIVATE_KEY_FILE"),
        "missing file": (
            {"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(d / "missing.pem")},
            "missing.pem does not exist",
        ),
        "missing fallback file": (
            {
                "JWT_ALGORITHM": "ES256",
                "JWT_PRIVATE_KEY_FILE": str(es),
                "JWT_KEY_FALLBACK_FILES": f"{d / 'gone.pem'}",
            },
            "JWT_KEY_FALLBACK_FILES: ",
        ),
        "wrong key type": (
            {"JWT_ALGORITHM": "RS256", "JWT_PRIVATE_KEY_FILE": str(es)},
            "is not an RSA key, as JWT_ALGORITHM=RS256 needs",
        ),
        "wrong curve": ({"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(p384)}, "not an EC P-256 key"),
        "small RSA key": (
            {"JWT_ALGORITHM": "RS256", "JWT_PRIVATE_KEY_FILE": str(rsa_small)},
            "1024-bit RSA key; RS256 needs 2048 or more",
        ),
        "world-readable key": (
            {"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(open_key)},
            "readable or writable by every user",
        ),
        "not a key": (
            {"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(garbage)},
            "holds no PEM private key",
        ),
        "public key as HMAC secret": ({"JWT_SIGNING_KEY": public_pem}, "JWT_SIGNING_KEY looks like a PEM"),
    }


CASES = [
    "unknown algorithm",
    "alg none",
    "no key file",
    "missing file",
    "missing fallback file",
    "wrong key type",
    "wrong curve",
    "small RSA key",
    "world-readable key",
    "not a key",
    "public key as HMAC secret",
]


@pytest.mark.parametrize("case", CASES)
def test_check_fails_on_a_bad_key_configuration(tmp_path, bad_configurations, private_keys, case):
    env, expected = bad_configurations[case]
    result = manage(tmp_path, "check", **env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "accounts.E001" in output
    assert expected in output
    # No key material in the report: neither PEM text nor a secret.
    assert "-----BEGIN" not in output
    assert pem_private(private_keys["ES256"][0]).decode().splitlines()[1] not in output


def test_check_passes_on_a_good_asymmetric_configuration(tmp_path, private_keys):
    active = write_key(tmp_path, "new.pem", private_keys["ES256"][0])
    old = write_key(tmp_path, "old.pub", private_keys["ES256"][1], public=True, mode=0o644)
    result = manage(
        tmp_path,
        "check",
        JWT_ALGORITHM="ES256",
        JWT_PRIVATE_KEY_FILE=str(active),
        JWT_KEY_FALLBACK_FILES=str(old),
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_warns_about_a_short_hmac_secret(tmp_path):
    result = manage(tmp_path, "check", JWT_SIGNING_KEY="too-short")
    assert result.returncode == 0
    assert "accounts.W001" in result.stderr + result.stdout
    assert "too-short" not in result.stderr + result.stdout


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_generate_signing_key_writes_a_private_key_0600_and_prints_its_kid(tmp_path, algorithm):
    out = tmp_path / "signing.pem"
    result = manage(
        tmp_path,
        "generate_signing_key",
        "--algorithm",
        algorithm,
        "--out",
        str(out),
        "--public-out",
        str(tmp_path / "signing.pub"),
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(out.read_bytes(), password=None)
    kid = thumbprint(public_jwk(key.public_key()))
    assert result.stdout.splitlines()[-1] == f"kid: {kid}"
    assert "PRIVATE" not in result.stdout
    public = serialization.load_pem_public_key((tmp_path / "signing.pub").read_bytes())
    assert thumbprint(public_jwk(public)) == kid
    # The key is usable as it stands: check accepts it, and the JWK Set will publish this kid.
    check = manage(tmp_path, "check", JWT_ALGORITHM=algorithm, JWT_PRIVATE_KEY_FILE=str(out))
    assert check.returncode == 0, check.stderr
    if algorithm == "RS256":
        assert key.key_size == 2048


def test_generate_signing_key_mode_ignores_a_loose_umask(tmp_path):
    out = tmp_path / "k.pem"
    result = subprocess.run(
        f"umask 000 && {PYTHON} manage.py generate_signing_key --algorithm ES256 --out {out}",
        shell=True,
        cwd=ROOT,
        env=server_env(database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_generate_signing_key_refuses_to_overwrite_unless_forced(tmp_path):
    out = tmp_path / "k.pem"
    out.write_text("precious")
    result = manage(tmp_path, "generate_signing_key", "--algorithm", "ES256", "--out", str(out))
    assert result.returncode != 0
    assert "exists; pass --force" in result.stderr
    assert out.read_text() == "precious"
    result = manage(tmp_path, "generate_signing_key", "--algorithm", "ES256", "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".k.pem")] == []


def test_generate_signing_key_runs_while_the_key_settings_are_broken(tmp_path):
    # It is how an operator makes the missing key that `check` complains about.
    missing = tmp_path / "signing.pem"
    env = {"JWT_ALGORITHM": "ES256", "JWT_PRIVATE_KEY_FILE": str(missing)}
    assert manage(tmp_path, "check", **env).returncode != 0
    result = manage(tmp_path, "generate_signing_key", "--algorithm", "ES256", "--out", str(missing), **env)
    assert result.returncode == 0, result.stderr
    assert manage(tmp_path, "check", **env).returncode == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--algorithm", "HS256", "--out", "k.pem"], "invalid choice"),
        (["--algorithm", "ES256"], "--out"),
        (["--algorithm", "RS256", "--out", "k.pem", "--rsa-bits", "1024"], "at least 2048"),
        (["--algorithm", "ES256", "--out", "/nonexistent-dir/k.pem"], "is not a directory"),
    ],
)
def test_generate_signing_key_bad_arguments(tmp_path, args, message):
    result = manage(tmp_path, "generate_signing_key", *args)
    assert result.returncode != 0
    assert message in result.stderr


def test_generate_signing_key_help_describes_every_argument():
    from accounts.management.commands.generate_signing_key import Command

    parser = Command().create_parser("manage.py", "generate_signing_key")
    ours = [
        action
        for action in parser._actions
        if action.dest in ("algorithm", "out", "public_out", "rsa_bits", "force")
    ]
    assert len(ours) == 5
    assert all(action.help for action in ours)
    assert "mode 0600" in parser.format_help()
