"""Redis as an accelerator, never a dependency: short timeouts, no retries, a circuit breaker.

Every user of Redis in a server process (the session state of ``accounts.session_cache``, the
throttling cache of ``common.cache``, the health check) goes through one ``breaker``. The first
error or timeout opens it: for ``REDIS_RETRY_SECONDS`` nobody in this process asks Redis, and
each caller answers from its fallback (the database, or a per-process cache). The first call
after that tries Redis again and closes the breaker when it answers. So a Redis that is down,
refusing or frozen costs one request at most one socket timeout, not one per call. The outage
is logged as ``common.outages`` tells any: when it begins, as a count while it lasts, when it ends.
"""

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from common.outages import Outage

logger = logging.getLogger("common.failsafe")

# ConnectionError and TimeoutError are RedisErrors; OSError covers what a socket raises
# before redis-py wraps it, and ValueError a reply that cannot be decoded.
REDIS_ERRORS = (redis.RedisError, OSError, ValueError)


def connection_options() -> dict:
    """Return redis-py connection options that bound every call by ``REDIS_TIMEOUT_SECONDS``.

    No retry: a retry would double the wait on a frozen server, and the breaker retries later.
    """
    timeout = settings.REDIS_TIMEOUT_SECONDS
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(NoBackoff(), 0),
        "health_check_interval": 0,
    }


@cache
def redis_client(url: str) -> redis.Redis:
    """Return this process's client of the Redis at ``url``, its calls bounded as above.

    One per URL and process, shared by every user of that Redis (its pool is thread-safe).
    """
    return redis.Redis.from_url(url, **connection_options())


class CircuitBreaker:
    """Stop calling a failing service for a while, then try again; tell its outage as ``Outage`` does."""

    def __init__(self, name: str):
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.clock = time.monotonic
        self.outage = Outage(
            name,
            logger=logger,
            level=logging.WARNING,  # the fallback is working as designed
            counted="calls answered from the fallback",
            meanwhile="answering from the fallback for now",
        )

    def allows(self) -> bool:
        """Return whether a call may be made now (closed, or open long enough to try again)."""
        return self.clock() >= self._open_until

    @property
    def is_open(self) -> bool:
        return not self.allows()

    def failed(self, exc: BaseException) -> None:
        """Open the breaker after a failed call."""
        with self._lock:
            self._open_until = self.clock() + settings.REDIS_RETRY_SECONDS
        self.outage.failed(exc)

    def skipped(self) -> None:
        """Count a call the open breaker answered from the fallback without asking."""
        self.outage.failed()

    def succeeded(self) -> None:
        """Close the breaker after a call that worked."""
        if self.outage.active:
            with self._lock:
                self._open_until = 0.0
            self.outage.ended()

    def reset(self) -> None:
        """Close the breaker at once (tests, and a changed configuration)."""
        with self._lock:
            self._open_until = 0.0
        self.outage.reset()


breaker = CircuitBreaker("Redis")


UNAVAILABLE = object()


def call(function, *args, **kwargs):
    """Return ``function(*args, **kwargs)``, or UNAVAILABLE while Redis fails or the breaker is open."""
    if not breaker.allows():
        breaker.skipped()
        return UNAVAILABLE
    try:
        result = function(*args, **kwargs)
    except REDIS_ERRORS as exc:
        breaker.failed(exc)
        return UNAVAILABLE
    breaker.succeeded()
    return result
