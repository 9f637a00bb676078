"""``manage.py generate_signing_key``: write a new PEM private key for signing tokens, print its kid."""

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.keyring import RSA_MIN_BITS, load_key_file

ALGORITHMS = ("RS256", "ES256", "EdDSA")


def new_private_key(algorithm: str, *, rsa_bits: int = RSA_MIN_BITS) -> Any:
    """Return a new private key fit for ``algorithm``."""
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"unsupported algorithm {algorithm!r}")


def write_private(path: Path, data: bytes, *, overwrite: bool) -> None:
    """Write ``data`` to ``path`` with mode 0600 whatever the umask; refuse to replace a file unless told.

    The key is written to a new file beside ``path`` and moved into place, so that no reader
    ever sees a partial key, nor the key under looser permissions.
    """
    if path.exists() and not overwrite:
        raise CommandError(f"{path} exists; pass --force to replace it.")
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
        raise CommandError(f"{path} exists; pass --force to replace it.") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


class Command(BaseCommand):
    help = (
        "Write a new private key (PEM, file mode 0600) for JWT_PRIVATE_KEY_FILE and print its kid. "
        "See the README's key rotation steps."
    )
    # Runs whatever the key settings say: it is how a broken key configuration gets fixed.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--algorithm",
            required=True,
            choices=ALGORITHMS,
            help="the JWT_ALGORITHM the key is for: RS256 (RSA), ES256 (EC P-256) or EdDSA (Ed25519)",
        )
        parser.add_argument(
            "--out",
            required=True,
            type=Path,
            help="file to write the private key to (mode 0600); its directory must exist",
        )
        parser.add_argument(
            "--public-out",
            type=Path,
            help="also write the public key here (PEM), e.g. for JWT_KEY_FALLBACK_FILES on other hosts",
        )
        parser.add_argument(
            "--rsa-bits",
            type=int,
            default=RSA_MIN_BITS,
            help=f"RSA key size for RS256 (at least {RSA_MIN_BITS}; default {RSA_MIN_BITS})",
        )
        parser.add_argument(
            "--force", action="store_true", help="replace --out (and --public-out) if present"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        algorithm, out, bits = options["algorithm"], options["out"], options["rsa_bits"]
        if bits < RSA_MIN_BITS:
            raise CommandError(f"--rsa-bits must be at least {RSA_MIN_BITS}.")
        if not out.parent.is_dir():
            raise CommandError(f"{out.parent} is not a directory.")
        public_out = options["public_out"]
        if public_out is not None and public_out.exists() and not options["force"]:
            raise CommandError(f"{public_out} exists; pass --force to replace it.")
        key = new_private_key(algorithm, rsa_bits=bits)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        write_private(out, pem, overwrite=options["force"])
        # Read back through the keyring's loader: the kid printed is the one the server will use.
        kid = load_key_file(str(out), algorithm, setting="--out", private=True).kid
        if public_out is not None:
            public_out.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
            self.stdout.write(f"Wrote the public key to {public_out}.")
        self.stdout.write(f"Wrote a new {algorithm} private key to {out} (mode 0600).")
        self.stdout.write(f"kid: {kid}")
