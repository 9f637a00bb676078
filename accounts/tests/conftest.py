"""Fixtures of the accounts tests."""

import pytest

from accounts.keys.services import new_private_key
from accounts.sessions import session_cache
from accounts.tests.key_files import ASYMMETRIC
from common import failsafe


@pytest.fixture(scope="session")
def private_keys():
    """Two private keys of each asymmetric algorithm, made once per run (RSA generation is slow)."""
    return {algorithm: (new_private_key(algorithm), new_private_key(algorithm)) for algorithm in ASYMMETRIC}


@pytest.fixture
def fresh_redis(redis_server, settings):
    """Start the module's private redis-server afresh and empty, with short Redis timeouts.

    The test points whichever settings it means at ``fresh_redis.url``. The server is restarted
    again afterwards, as the test may have killed or frozen it; the breaker and the revocations
    waiting for Redis start and end empty, so that no test inherits another's outage.
    """
    redis_server.stop()
    redis_server.start()
    settings.REDIS_TIMEOUT_SECONDS = 0.25
    settings.REDIS_RETRY_SECONDS = 0.3
    failsafe.breaker.reset()
    session_cache._pending.clear()
    yield redis_server
    redis_server.stop()
    redis_server.start()
    failsafe.breaker.reset()
    session_cache._pending.clear()
