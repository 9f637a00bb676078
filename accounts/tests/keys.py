"""Key files and key configurations for the signing-key tests."""

from pathlib import Path

from cryptography.hazmat.primitives import serialization

ASYMMETRIC = ("RS256", "ES256", "EdDSA")
# Long enough for HS256 (32 bytes and more); never used outside the tests.
HMAC_SECRETS = ("test-hmac-secret-one-0123456789abcdef", "test-hmac-secret-two-0123456789abcdef")


def pem_private(key):
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def pem_public(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_key(directory: Path, name: str, key, *, public: bool = False, mode: int = 0o600) -> Path:
    """Write ``key`` (its public half if ``public``) as PEM to ``directory/name`` with ``mode``."""
    path = directory / name
    path.write_bytes(pem_public(key) if public else pem_private(key))
    path.chmod(mode)
    return path


def use_keys(settings, algorithm, *, active=None, fallbacks=(), directory=None):
    """Point the settings at ``algorithm`` with the ``active`` key (a secret or a key object) and ``fallbacks``."""
    settings.JWT_ALGORITHM = algorithm
    if algorithm == "HS256":
        settings.JWT_SIGNING_KEY = active
        settings.JWT_SIGNING_KEY_FALLBACKS = list(fallbacks)
        return
    settings.JWT_PRIVATE_KEY_FILE = str(write_key(directory, "active.pem", active))
    settings.JWT_KEY_FALLBACK_FILES = [
        str(write_key(directory, f"fallback{index}.pem", key, public=index % 2 == 1))
        for index, key in enumerate(fallbacks)
    ]
