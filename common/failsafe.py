"""Redis as an accelerator, never a dependency: short timeouts, no retries, a circuit breaker.

Every user of Redis in a server process (the session state of ``accounts.sessions.session_cache``, the
throttling cache of ``common.cache``, the health check) goes through one ``breaker``. The first
error or timeout opens it: for ``REDIS_RETRY_SECONDS`` nobody in this process asks Redis, and
each caller answers from its fallback (the database, or a per-process cache). The first call
after that tries Redis again and closes the breaker when it answers. So a Redis that is down,
refusing or frozen costs one request at most one socket timeout, not one per call. The outage
is logged as ``common.outages`` tells any: when it begins, as a count while it lasts, when it ends.

``redis_client`` is the one place that builds a Redis client, so the only one that knows how
Redis is found: at the host of ``REDIS_URL`` (``redis://``, or ``rediss://`` for TLS), or, when
the URL carries ``sentinel`` and ``sentinel_master`` parameters (config/settings.py adds them
from ``REDIS_SENTINELS`` and ``REDIS_SENTINEL_MASTER``: ``sentinel_url``), wherever the Sentinels
say the master is now. redis-py's ``Sentinel.master_for`` asks them again for every new
connection, and drops connections to a master that was demoted, so a failover is followed
without a restart: calls fail (and the breaker answers from the fallback) until the Sentinels
have promoted a replica, and the first call after that reaches it.
"""

import logging
import threading
import time
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.connection import SSLConnection, parse_url
from redis.retry import Retry
from redis.sentinel import Sentinel

from common import metrics
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
    With Sentinel parameters in ``url`` (``sentinel_url``), the client of the master they name.
    """
    plain, sentinels, master = _split_sentinels(url)
    if not sentinels:
        return redis.Redis.from_url(url, **connection_options())
    return _sentinel_master(plain, sentinels, master)


# --- Sentinel -----------------------------------------------------------------------------------

SENTINEL = "sentinel"
SENTINEL_MASTER = "sentinel_master"


def sentinel_addresses(values: list[str]) -> list[tuple[str, int]]:
    """Return ``host:port`` strings (``[v6]:port`` too) as pairs; raise ValueError naming a wrong one."""
    addresses = []
    for value in values:
        host, _, port = value.strip().rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"a Sentinel must be given as host:port, not {value!r}")
        addresses.append((host, int(port)))
    return addresses


def sentinel_url(url: str, *, sentinels: list[str], master: str) -> str:
    """Return ``url`` (or ``redis:///0``) with the Sentinels and the master's name that find its Redis.

    The result is the one string that every user of Redis is given (``settings.REDIS_URL``), so
    that each of them reaches the same client here; its host and port are not used. Parameters
    repeat rather than list with commas: Django's cache splits its location at commas.
    """
    url = url or "redis:///0"
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError("with Sentinel, REDIS_URL must be a redis:// or rediss:// URL")
    if not master:
        raise ValueError("a Sentinel master's name is needed")
    pairs = [
        (SENTINEL, f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        for host, port in sentinel_addresses(sentinels)
    ]
    query = urlencode([*pairs, (SENTINEL_MASTER, master)])
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _split_sentinels(url: str) -> tuple[str, list[tuple[str, int]], str]:
    """Return ``url`` without its Sentinel parameters, the Sentinels' addresses and the master's name."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    sentinels = [value for name, value in query if name == SENTINEL]
    if not sentinels:
        return url, [], ""
    master = next((value for name, value in query if name == SENTINEL_MASTER), "")
    rest = urlencode([(name, value) for name, value in query if name not in (SENTINEL, SENTINEL_MASTER)])
    plain = url.split("?", 1)[0] + (f"?{rest}" if rest else "")
    return plain, sentinel_addresses(sentinels), master


def _sentinel_master(url: str, sentinels: list[tuple[str, int]], master: str) -> redis.Redis:
    """Return a client of the master named ``master`` that the Sentinels at ``sentinels`` find.

    ``url`` gives everything but the address: TLS (``rediss://`` and its ``ssl_*`` parameters),
    the user, password and database. The Sentinels are reached with the same TLS settings and
    share one timeout between them: looking the master up costs at most ``REDIS_TIMEOUT_SECONDS``
    however many of them hang, so a new connection costs at most three timeouts in all (the
    lookup, connecting, the call), under the one second that a request may wait on Redis.
    """
    kwargs = parse_url(url)
    kwargs.pop("host", None)
    kwargs.pop("port", None)
    if kwargs.pop("connection_class", None) is SSLConnection:
        kwargs["ssl"] = True
    options = connection_options()
    share = options["socket_timeout"] / len(sentinels)
    tls = {name: value for name, value in kwargs.items() if name.startswith("ssl")}
    sentinel = Sentinel(
        sentinels,
        sentinel_kwargs={
            "socket_timeout": share,
            "socket_connect_timeout": share,
            "retry": Retry(NoBackoff(), 0),
            **tls,
        },
    )
    return sentinel.master_for(master, **options, **kwargs)


class CircuitBreaker:
    """Stop calling a failing service for a while, then try again; tell its outage as ``Outage`` does."""

    def __init__(self, name: str):
        self.name = name
        self._open_until = 0.0
        self._lock = threading.Lock()
        self.clock = time.monotonic
        self.outage = Outage(
            name,
            service="redis",
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
        metrics.redis_fallback("error")
        self.outage.failed(exc)

    def skipped(self) -> None:
        """Count a call the open breaker answered from the fallback without asking."""
        metrics.redis_fallback("breaker_open")
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
