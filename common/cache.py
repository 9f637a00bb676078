"""Django's Redis cache, falling back to a per-process memory cache while Redis fails.

The cache holds throttling counters (and nothing that must survive): while Redis is away, each
process counts in its own memory, so limits stay enforced (per process) rather than failing
open, and no request gets a 5xx or waits on a dead server. ``common.failsafe`` bounds each call
and decides, through its circuit breaker, when to try Redis again.
"""

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

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


class FailSafeRedisCache(RedisCache):
    """RedisCache with bounded calls and a per-process fallback (see the module docstring)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**failsafe.connection_options(), **params.get("OPTIONS", {})}}
        super().__init__(server, params)
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
