"""What a password costs to check: Argon2id with the parameters of the settings, a few at a time.

Django's own Argon2 parameters (t=2, 100 MiB, p=8) cost a login about a quarter of a second of
CPU and 100 MiB here; OWASP's Argon2id guidance (19 MiB, t=2, p=1) costs a tenth of that and is
the default (``ARGON2_MEMORY_KIB``, ``ARGON2_TIME_COST``, ``ARGON2_PARALLELISM``). A stored hash
made with other parameters still verifies (Argon2 reads them from the hash); Django rewrites it
with the current ones at the next successful login (``must_update``), a rehash that is no
password change and revokes nothing (accounts.signals).

Every hash and check of a password takes one of ``PASSWORD_HASH_CONCURRENCY`` slots of its
process first, whichever path asks (login, register, password change and reset, the admin): a
burst of logins in a process that serves several requests at once (threads) cannot take every
core from the requests that hash nothing. One that waits ``PASSWORD_HASH_WAIT_SECONDS`` for a
slot is answered 503 with ``Retry-After`` (``PasswordHashingBusy``). docs/several-nodes.md has
the measured cost and the storm.
"""

import math
import threading
from contextlib import contextmanager

from django.contrib.auth.hashers import Argon2PasswordHasher

from accounts.app_settings import app_settings
from common import metrics
from common.exceptions import ServiceUnavailable

# OWASP's Argon2id minimum: 19 MiB, two passes, one lane.
DEFAULT_MEMORY_KIB = 19456
DEFAULT_TIME_COST = 2
DEFAULT_PARALLELISM = 1


class PasswordHashingBusy(ServiceUnavailable):
    """Every password-hashing slot of this process stayed taken past ``PASSWORD_HASH_WAIT_SECONDS``."""

    default_detail = "Too many passwords are being checked right now; retry in a moment."
    default_code = "password_hashing_busy"

    def __init__(self):
        super().__init__()
        self.wait = max(1, math.ceil(app_settings.PASSWORD_HASH_WAIT_SECONDS))  # DRF's Retry-After


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def _semaphore(size: int) -> threading.BoundedSemaphore:
    """Return this process's semaphore of ``size`` slots (one per size, so a test may change it)."""
    semaphore = _slots.get(size)
    if semaphore is None:
        with _slots_lock:
            semaphore = _slots.setdefault(size, threading.BoundedSemaphore(size))
    return semaphore


@contextmanager
def hashing_slot():
    """Hold one of the process's password-hashing slots for the block; raise PasswordHashingBusy past the wait.

    ``PASSWORD_HASH_CONCURRENCY`` at 0 sets no bound.
    """
    size = app_settings.PASSWORD_HASH_CONCURRENCY
    if not size:
        yield
        return
    semaphore = _semaphore(size)
    if not semaphore.acquire(timeout=app_settings.PASSWORD_HASH_WAIT_SECONDS):
        metrics.password_hashing_busy()
        raise PasswordHashingBusy
    try:
        yield
    finally:
        semaphore.release()


class ConfiguredArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher, its cost from the settings and its work bounded by ``hashing_slot``.

    The algorithm stays ``argon2``: hashes made by Django's own hasher are this one's too.
    """

    @property
    def time_cost(self):
        return app_settings.ARGON2_TIME_COST

    @property
    def memory_cost(self):
        return app_settings.ARGON2_MEMORY_KIB

    @property
    def parallelism(self):
        return app_settings.ARGON2_PARALLELISM

    def encode(self, password, salt):
        with hashing_slot():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with hashing_slot():
            return super().verify(password, encoded)
