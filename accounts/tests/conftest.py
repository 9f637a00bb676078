"""Fixtures of the accounts tests."""

import pytest

from accounts.management.commands.generate_signing_key import new_private_key
from accounts.tests.keys import ASYMMETRIC


@pytest.fixture(scope="session")
def private_keys():
    """Two private keys of each asymmetric algorithm, made once per run (RSA generation is slow)."""
    return {algorithm: (new_private_key(algorithm), new_private_key(algorithm)) for algorithm in ASYMMETRIC}
