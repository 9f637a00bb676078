"""``manage.py generate_signing_key``: write a new PEM private key for signing tokens, print its kid."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.keys.keyring import RSA_MIN_BITS
from accounts.keys.services import GENERATED_ALGORITHMS, KeyFileExists, signing_key_generate


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
            choices=GENERATED_ALGORITHMS,
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
        try:
            key = signing_key_generate(
                algorithm=algorithm,
                path=out,
                public_path=public_out,
                rsa_bits=bits,
                overwrite=options["force"],
            )
        except KeyFileExists as exc:
            raise CommandError(f"{exc} exists; pass --force to replace it.") from exc
        if public_out is not None:
            self.stdout.write(f"Wrote the public key to {public_out}.")
        self.stdout.write(f"Wrote a new {algorithm} private key to {out} (mode 0600).")
        self.stdout.write(f"kid: {key.kid}")
