"""Session state in the shared cache, so that authentication can skip its SQL query.

Enabled when ``settings.SESSION_STATE_CACHE`` names a cache that every server process
shares (Redis, with ``REDIS_URL``); otherwise every function here is a no-op and
authentication always asks the database. A per-process cache must never be named here:
it would serve a session that another process revoked.

An entry holds the user behind a live session, stamped with the *versions* of that
user and of "everybody" read before the database was. Revoking rotates the version
at once and again after the database commit, so an entry filled by a reader that read
the database before the commit carries an old version and is ignored from then on.
Versions are random, never counters, so that an evicted version can never come back to
match a stale entry (run Redis with a ``noeviction`` or ``volatile-*`` policy all the same).
"""

import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

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
USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname in _KEPT)


class Miss:
    """No usable entry; carry the versions read, to stamp the entry that fills it."""

    __slots__ = ("versions",)

    def __init__(self, versions):
        self.versions = versions


def _cache():
    alias = getattr(settings, "SESSION_STATE_CACHE", None)
    return caches[alias] if alias else None


def _session_key(session_id):
    return f"auth:s:{session_id}"


def _user_key(user_id):
    return f"auth:v:u:{user_id}"


def lookup(*, session_id, user_id, now):
    """Return the cached live user of the session, or a Miss, or None when disabled."""
    cache = _cache()
    if cache is None:
        return None
    session_key, user_key = _session_key(session_id), _user_key(user_id)
    found = cache.get_many([session_key, user_key, _ALL])
    versions = (found.get(user_key), found.get(_ALL))
    entry = found.get(session_key)
    if entry and entry["versions"] == versions and entry["user_id"] == str(user_id) and entry["until"] > now:
        return User.from_db("default", USER_FIELDS, entry["user"])
    return Miss(versions)


def store(*, miss, session, user):
    """Remember that ``session`` of ``user`` was live, under the versions of ``miss``."""
    cache = _cache()
    if cache is None:
        return
    entry = {
        "versions": miss.versions,
        "user_id": str(user.pk),
        "until": session.absolute_expires_at,
        "user": tuple(getattr(user, name) for name in USER_FIELDS),
    }
    timeout = max(1, int(settings.ACCESS_TOKEN_LIFETIME.total_seconds()))
    # set(), not add(): a stale entry is harmless (its versions no longer match) and
    # overwriting it with a fresh one is the point.
    cache.set(_session_key(session.pk), entry, timeout=timeout)


def forget_user(user_id):
    """Drop cached state of every session of one user: call it where the change is written."""
    _rotate(_user_key(user_id))


def forget_everybody():
    """Drop cached state of every session: call it where a bulk revocation is written."""
    _rotate(_ALL)


def _rotate(key):
    cache = _cache()
    if cache is None:
        return

    def rotate():
        cache.set(key, uuid.uuid4().hex, timeout=None)

    # Now, so that no process serves the old state from here on, and after the commit,
    # so that an entry filled from the database before the commit is dropped too.
    rotate()
    transaction.on_commit(rotate)
