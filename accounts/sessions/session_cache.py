"""Session state in a shared store, so that authentication can skip its SQL query.

Enabled with ``app_settings.SESSION_STATE_REDIS_URL`` (set from ``REDIS_URL``), or with
``app_settings.SESSION_STATE_CACHE`` naming a Django cache; otherwise every function here is a
no-op and authentication always asks the database. The store must be shared by every server
process: a per-process one would serve a session that another process revoked.

An entry holds the user behind a live session and when the entry ends, stamped with the
*versions* of that user and of "everybody" read before the database was. Every revocation
rotates the version after its database commit, so an entry filled by a reader that read the
database before the commit carries an old version and is ignored from then on.

The store is an accelerator, never the authority:

* Redis errors and timeouts count as a miss (``common.failsafe``): the database answers.
* A revocation is committed first; rotating the version afterwards may fail (Redis away), and
  is then logged and retried by this process when Redis answers again.
* No entry lives longer than ``SESSION_CACHE_SECONDS``, so whatever the store missed (a rotation
  lost with Redis, a snapshot restored, a write that bypassed ``save()``) is served for at most
  that long.
* A missing version (evicted, or Redis restarted empty) is created anew and random before the
  database is read, never matched as "missing": an entry can only match a version it was filled under.

Redis is spoken to directly (one MGET per request, JSON entries): through Django's cache
layer the lookup cost several times as much.
"""

import json
import logging
import threading
import time
import uuid
from datetime import datetime
from functools import cache

from django.core.cache import caches
from django.db import models, router, transaction

from accounts.app_settings import app_settings
from accounts.models import User
from common import failsafe, metrics

logger = logging.getLogger("accounts.session_cache")

_ALL = "auth:v:all"
# The user fields kept in an entry, in the model's field order as Model.from_db() wants
# them; the others load lazily if a view asks for them, and save() on such a user writes
# only the fields it loaded (so a cached user never overwrites the password).
_KEPT = {
    "id",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
    "last_login",
    "date_joined",
}
_FIELDS = tuple(f for f in User._meta.concrete_fields if f.attname in _KEPT)
USER_FIELDS = tuple(f.attname for f in _FIELDS)


class Miss:
    """No usable entry; carry the versions read, to stamp the entry that fills it."""

    __slots__ = ("versions",)

    def __init__(self, versions: list[str]):
        self.versions = versions


class _RedisStore:
    """Session state in Redis: bounded calls, errors reported as ``failsafe.UNAVAILABLE``."""

    def __init__(self, url: str):
        self.client = failsafe.redis_client(url)

    def get_many(self, keys):
        return failsafe.call(self._get_many, keys)

    def _get_many(self, keys):
        return [None if value is None else value.decode() for value in self.client.mget(keys)]

    def ensure_then_get(self, create, keys):
        """Create the keys of ``create`` that are missing, then return the values of ``keys``."""
        return failsafe.call(self._ensure_then_get, create, keys)

    def _ensure_then_get(self, create, keys):
        pipe = self.client.pipeline(transaction=False)
        for key in create:
            pipe.set(key, uuid.uuid4().hex, nx=True)
        pipe.mget(keys)
        values = pipe.execute()[-1]
        return [None if value is None else value.decode() for value in values]

    def set_many(self, items, timeout=None):
        """Set every ``(key, value)`` of ``items`` in one round trip; return False when Redis failed."""
        return failsafe.call(self._set_many, items, timeout) is not failsafe.UNAVAILABLE

    def _set_many(self, items, timeout):
        pipe = self.client.pipeline(transaction=False)
        for key, value in items:
            pipe.set(key, value, ex=timeout)
        pipe.execute()


class _DjangoCacheStore:
    """Session state in a Django cache (tests, or a deployment's own shared cache)."""

    def __init__(self, alias: str):
        self.cache = caches[alias]

    def get_many(self, keys):
        found = self.cache.get_many(keys)
        return [found.get(key) for key in keys]

    def ensure_then_get(self, create, keys):
        for key in create:
            self.cache.add(key, uuid.uuid4().hex, timeout=None)
        return self.get_many(keys)

    def set_many(self, items, timeout=None):
        for key, value in items:
            self.cache.set(key, value, timeout=timeout)
        return True


@cache
def _redis_store(url):
    return _RedisStore(url)


def _store():
    url = app_settings.SESSION_STATE_REDIS_URL
    if url:
        return _redis_store(url)
    alias = app_settings.SESSION_STATE_CACHE
    return _DjangoCacheStore(alias) if alias else None


def _session_key(session_id):
    return f"auth:s:{session_id}"


def _user_key(user_id):
    return f"auth:v:u:{user_id}"


# Version rotations that failed after their commit (Redis away): this process replays them
# before it trusts the store again. Entries are bounded by SESSION_CACHE_SECONDS meanwhile.
_pending = set()
_pending_lock = threading.Lock()


def _replay_pending(store) -> bool:
    """Rotate again the versions whose rotation failed; return whether the store may be trusted."""
    if not _pending:
        return True
    with _pending_lock:
        keys = sorted(_pending)
    if not store.set_many([(key, uuid.uuid4().hex) for key in keys]):
        return False
    with _pending_lock:
        _pending.difference_update(keys)
    logger.info("Replayed %d session state invalidation(s) held back while Redis was away", len(keys))
    return True


def lookup(*, session_id, user_id):
    """Return the cached live user of the session, a Miss, or None when the store is off or failing.

    Counted in ``/metrics`` (``session_cache_requests_total``): a hit, a miss, or a bypass (None).
    """
    found = _lookup(session_id=session_id, user_id=user_id)
    if found is None:
        metrics.session_cache("bypass")
    elif isinstance(found, Miss):
        metrics.session_cache("miss")
    else:
        metrics.session_cache("hit")
    return found


def _lookup(*, session_id, user_id):
    store = _store()
    if store is None or not _replay_pending(store):
        return None
    user_key = _user_key(user_id)
    found = store.get_many([_session_key(session_id), user_key, _ALL])
    if found is failsafe.UNAVAILABLE:
        return None
    raw, user_version, all_version = found
    if user_version is None or all_version is None:
        # Evicted, or Redis restarted empty: start new versions, which no entry carries.
        versions = store.ensure_then_get([user_key, _ALL], [user_key, _ALL])
        if versions is failsafe.UNAVAILABLE or None in versions:
            return None
        return Miss(versions)
    versions = [user_version, all_version]
    if raw is not None:
        try:
            entry = json.loads(raw)
            if (
                entry["versions"] == versions
                and entry["user_id"] == str(user_id)
                and entry["until"] > time.time()
            ):
                return User.from_db(router.db_for_read(User), USER_FIELDS, _decode(entry["user"]))
        except (ValueError, KeyError, TypeError):
            pass  # an entry this code did not write: a miss, refilled from the database
    return Miss(versions)


def store(*, miss: Miss, session_id, user: User, ends: datetime) -> None:
    """Remember that ``session_id`` of ``user`` is live until ``ends``, under the versions of ``miss``."""
    store = _store()
    if store is None:
        return
    # Never past SESSION_CACHE_SECONDS (the bound on anything the store missed), nor past an
    # access token's lifetime, nor past the session's own end.
    timeout = min(
        app_settings.SESSION_CACHE_SECONDS,
        int(app_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        int(ends.timestamp() - time.time()),
    )
    if timeout < 1:
        return
    entry = {
        "versions": miss.versions,
        "user_id": str(user.pk),
        # The TTL again, inside the entry (so never past the session's end either): it holds
        # even where a key's TTL would not (a store without expiry, a clock that moved).
        "until": time.time() + timeout,
        "user": _encode(user),
    }
    # A plain set, not set-if-absent: a stale entry is harmless (its versions no longer
    # match) and replacing it with a fresh one is the point.
    store.set_many([(_session_key(session_id), json.dumps(entry))], timeout=timeout)


def forget_user(user_id) -> None:
    """Drop cached state of every session of one user, once the current transaction commits."""
    _rotate_after_commit(_user_key(user_id))


def forget_everybody() -> None:
    """Drop cached state of every session, once the current transaction commits."""
    _rotate_after_commit(_ALL)


def _rotate_after_commit(key):
    if _store() is None:
        return
    # After the commit, never before: the revocation stands whatever the store does, and an
    # entry filled from the database before the commit carries the old version.
    transaction.on_commit(lambda: _rotate(key))


def _rotate(key):
    store = _store()
    if store is None:
        return
    try:
        rotated = store.set_many([(key, uuid.uuid4().hex)])
    except Exception:  # a Django cache store may raise anything; the commit has happened
        logger.exception("Could not drop cached session state")
        rotated = False
    if not rotated:
        with _pending_lock:
            _pending.add(key)
        logger.warning(
            "Cached session state not dropped (store unavailable); retried when it answers, "
            "and bounded by SESSION_CACHE_SECONDS meanwhile"
        )


def _encode(user):
    values = (getattr(user, f.attname) for f in _FIELDS)
    return [value.isoformat() if isinstance(value, datetime) else value for value in values]


def _decode(values):
    return [
        datetime.fromisoformat(value)
        if value is not None and isinstance(field, models.DateTimeField)
        else value
        for field, value in zip(_FIELDS, values, strict=True)
    ]
