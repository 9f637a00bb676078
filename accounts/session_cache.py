"""Session state in a shared store, so that authentication can skip its SQL query.

Enabled with ``settings.SESSION_STATE_REDIS_URL`` (set from ``REDIS_URL``), or with
``settings.SESSION_STATE_CACHE`` naming a Django cache; otherwise every function here is a
no-op and authentication always asks the database. The store must be shared by every server
process: a per-process one would serve a session that another process revoked.

An entry holds the user behind a live session, stamped with the *versions* of that user and
of "everybody" read before the database was. Revoking rotates the version at once and again
after the database commit, so an entry filled by a reader that read the database before the
commit carries an old version and is ignored from then on. Versions are random, never
counters, so that an evicted version can never come back to match a stale entry (run Redis
with a ``noeviction`` or ``volatile-*`` policy all the same).

Redis is spoken to directly (one MGET per request, JSON entries): through Django's cache
layer the lookup cost three times as much.
"""

import json
import uuid
from datetime import datetime
from functools import cache

import redis
from django.conf import settings
from django.core.cache import caches
from django.db import models, router, transaction

from accounts.models import User

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

    def __init__(self, versions):
        self.versions = versions


class _RedisStore:
    def __init__(self, url):
        self.client = redis.Redis.from_url(url)

    def get_many(self, keys):
        return [None if value is None else value.decode() for value in self.client.mget(keys)]

    def set(self, key, value, timeout=None):
        self.client.set(key, value, ex=timeout)


class _DjangoCacheStore:
    def __init__(self, alias):
        self.cache = caches[alias]

    def get_many(self, keys):
        found = self.cache.get_many(keys)
        return [found.get(key) for key in keys]

    def set(self, key, value, timeout=None):
        self.cache.set(key, value, timeout=timeout)


@cache
def _redis_store(url):
    return _RedisStore(url)


def _store():
    url = getattr(settings, "SESSION_STATE_REDIS_URL", None)
    if url:
        return _redis_store(url)
    alias = getattr(settings, "SESSION_STATE_CACHE", None)
    return _DjangoCacheStore(alias) if alias else None


def _session_key(session_id):
    return f"auth:s:{session_id}"


def _user_key(user_id):
    return f"auth:v:u:{user_id}"


def lookup(*, session_id, user_id):
    """Return the cached live user of the session, a Miss, or None when disabled."""
    store = _store()
    if store is None:
        return None
    raw, user_version, all_version = store.get_many([_session_key(session_id), _user_key(user_id), _ALL])
    versions = [user_version, all_version]
    if raw is not None:
        entry = json.loads(raw)
        if entry["versions"] == versions and entry["user_id"] == str(user_id):
            return User.from_db(router.db_for_read(User), USER_FIELDS, _decode(entry["user"]))
    return Miss(versions)


def store(*, miss, session_id, user):
    """Remember that ``session_id`` of ``user`` was live, under the versions of ``miss``."""
    store = _store()
    if store is None:
        return
    entry = {"versions": miss.versions, "user_id": str(user.pk), "user": _encode(user)}
    # An access token never outlives its lifetime, so neither need its session's entry.
    timeout = max(1, int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()))
    # A plain set, not set-if-absent: a stale entry is harmless (its versions no longer
    # match) and replacing it with a fresh one is the point.
    store.set(_session_key(session_id), json.dumps(entry), timeout=timeout)


def forget_user(user_id):
    """Drop cached state of every session of one user: call it where the change is written."""
    _rotate(_user_key(user_id))


def forget_everybody():
    """Drop cached state of every session: call it where a bulk revocation is written."""
    _rotate(_ALL)


def _rotate(key):
    store = _store()
    if store is None:
        return

    def rotate():
        store.set(key, uuid.uuid4().hex)

    # Now, so that no process serves the old state from here on, and after the commit,
    # so that an entry filled from the database before the commit is dropped too.
    rotate()
    transaction.on_commit(rotate)


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
