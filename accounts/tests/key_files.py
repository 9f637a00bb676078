"""Key files and key configurations for the signing-key tests."""

import base64
import hashlib
import hmac
import json
from pathlib import Path

import jwt
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


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header, payload, key=None, algorithm=None):
    """Return a compact JWS of ``header`` and ``payload``, signed with ``key`` under ``algorithm`` (or not)."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}".encode()
    if algorithm is None:
        return signing_input.decode() + "."
    if algorithm == "HS256-raw":  # HMAC with any bytes, a PEM public key included
        signature = hmac.new(key, signing_input, hashlib.sha256).digest()
    else:
        alg = jwt.get_algorithm_by_name(algorithm)
        signature = alg.sign(signing_input, alg.prepare_key(key))
    return f"{signing_input.decode()}.{b64(signature)}"
