"""Django's Redis cache, falling back to a per-process memory cache while Redis fails.

The cache holds throttling counters (and nothing that must survive): while Redis is away, each
process counts in its own memory, so limits stay enforced (per process) rather than failing
open, and no request gets a 5xx or waits on a dead server. ``common.failsafe`` bounds each call
and decides, through its circuit breaker, when to try Redis again.

The client is ``common.failsafe.redis_client``'s, shared with the session state and the DPoP
replay record: one pool per process, and Redis found as that factory finds it (through Sentinel
too). The location is one URL, never split at commas as Django's own backend would.
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from common import failsafe


def _failsafe(name):
    def method(self, *args, **kwargs):
        result = failsafe.call(getattr(super(FailSafeRedisCache, self), name), *args, **kwargs)
        if result is failsafe.UNAVAILABLE:
            return getattr(self.fallback, name)(*args, **kwargs)
        return result

    method.__name__ = name
    method.__doc__ = f"Return Redis's ``{name}``, or the per-process fallback's while Redis fails."
    return method


class SharedClient(RedisCacheClient):
    """Django's Redis cache client, talking through ``common.failsafe.redis_client`` of its one URL."""

    def get_client(self, key=None, *, write=False):
        return failsafe.redis_client(self._servers[0])


class FailSafeRedisCache(RedisCache):
    """RedisCache with bounded calls and a per-process fallback (see the module docstring)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._servers = [server] if isinstance(server, str) else list(server)[:1]
        self._class = SharedClient
        self.fallback = LocMemCache(f"failsafe-{server}", {"TIMEOUT": params.get("TIMEOUT", DEFAULT_TIMEOUT)})

    add = _failsafe("add")
    get = _failsafe("get")
    set = _failsafe("set")
    touch = _failsafe("touch")
    delete = _failsafe("delete")
    get_many = _failsafe("get_many")
    has_key = _failsafe("has_key")
    incr = _failsafe("incr")
    set_many = _failsafe("set_many")
    delete_many = _failsafe("delete_many")

    def clear(self):
        """Clear Redis when it answers, and the fallback always."""
        self.fallback.clear()
        failsafe.call(super().clear)
        return True
