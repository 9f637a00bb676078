"""Making signing keys: a new private key written safely to a file, read back as the keyring reads it."""

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from accounts.keys.keyring import RSA_MIN_BITS, Key, load_key_file

GENERATED_ALGORITHMS = ("RS256", "ES256", "EdDSA")


class KeyFileExists(Exception):
    """The file to write is there already and replacing it was not asked for."""


def new_private_key(algorithm: str, *, rsa_bits: int = RSA_MIN_BITS) -> Any:
    """Return a new private key fit for ``algorithm``."""
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported algorithm {algorithm!r}")


def private_file_write(*, path: Path, data: bytes, overwrite: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600 whatever the umask; raise KeyFileExists unless ``overwrite``.

    The key is written to a new file beside ``path`` and moved into place, so that no reader
    ever sees a partial key, nor the key under looser permissions.
    """
    if path.exists() and not overwrite:
        raise KeyFileExists(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            # link() fails if the path appeared meanwhile: never clobber without --force.
            os.link(temporary, path)
    except FileExistsError as exc:
        raise KeyFileExists(path) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def signing_key_generate(
    *,
    algorithm: str,
    path: Path,
    public_path: Path | None = None,
    rsa_bits: int = RSA_MIN_BITS,
    overwrite: bool,
) -> Key:
    """Write a new private key for ``algorithm`` to ``path`` (and its public key to ``public_path``); return it as loaded.

    Raise KeyFileExists, before writing anything, when a file is there and ``overwrite`` is false.
    """
    if public_path is not None and public_path.exists() and not overwrite:
        raise KeyFileExists(public_path)
    key = new_private_key(algorithm, rsa_bits=rsa_bits)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    private_file_write(path=path, data=pem, overwrite=overwrite)
    if public_path is not None:
        public_path.write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    # Read back through the keyring's loader: the kid is the one the server will use.
    return load_key_file(str(path), algorithm, setting="--out", private=True)
