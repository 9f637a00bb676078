"""One use per DPoP proof; twice at most, in all, through any outage, restart or restore of Redis.

A proof's ``jti`` is recorded per key (a SHA-256 digest of both) for as long as the proof could
pass the ``iat`` check, in two stores, and a check consults both whenever it can:

* **Redis, when this process reaches it.** One round trip: a script sets ``dpop:jti:<digest>`` if
  absent, expiring with the proof, and returns "new" or "seen" with the uptime of Redis. "Seen":
  refused. "New", from a Redis up for ``DPOP_REPLAY_LOSS_WINDOW_SECONDS`` (130 s) or more: one
  primary-key read of the database, and refused if a process that could not reach Redis recorded
  the proof there. Every process does this read, so none needs to have seen that outage.
* **The database** (``DPoPProofUse``), written (one upsert) when this process cannot use Redis
  (unset, failing, or its breaker open: ``common.failsafe``), and also when Redis says "new" but
  has been up for less than the loss window: it restarted or was restored from a snapshot, and
  may have lost records of proofs still valid (a proof used at ``t`` passes the ``iat`` check
  until ``t + 120 s`` at the latest). The primary key admits one use; rows outlive their proofs.

The bound: a proof is accepted at most twice in all, and the second time only if Redis was in
the way. It can be accepted (1) through Redis past the loss window, when neither store knew it,
which happens once: Redis loses a record only by restarting (detectably: the uptime starts
again), and the proof has lapsed when the window after that ends; and (2) by the upsert that
creates its row, once. So a proof recorded in the database is refused by every process from then
on; one recorded in Redis is accepted once more by a process that cannot reach Redis, or after
Redis restarted or came back from a snapshot, however often. A second use needs the proof itself,
within its 60 s, and repeats the same method on the same URL (with the same access token).

What the uptime cannot see is a loss it does not count: a record evicted (``maxmemory`` with an
eviction policy), ``FLUSHDB``, a failover to a replica that had not received it. Each can allow
one more use of the proofs it lost: give the replay record a Redis with ``noeviction``.

Why this design, what the others cost and what it costs a request: ``docs/dpop.md`` ("The
replay record"), measured by ``bench/dpop_replay.py``.
"""

import hashlib
import math
import threading
import time
from datetime import UTC, datetime
from functools import cache

from django.db import connections
from django.utils import timezone

from accounts.app_settings import app_settings
from accounts.models import DPoPProofUse
from accounts.sql import connection_for, prepared_cursor
from common import failsafe, metrics

KEY_PREFIX = "dpop:jti:"
# Lapsed rows are deleted by the process that meets them, at most this often.
PRUNE_INTERVAL_SECONDS = 60.0

# Set the record if absent and return {1 when it is new, else 0; seconds since Redis started}:
# one round trip for both. INFO's uptime restarts at zero on a restart and on a restore from a
# snapshot, the two ways Redis loses records without anyone being told; an uptime it cannot
# read counts as zero (the database decides).
_RECORD_SCRIPT = """
local new = redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1])
local info = redis.call('INFO', 'server')
return {new and 1 or 0, tonumber(string.match(info, 'uptime_in_seconds:(%d+)')) or 0}
"""

_last_prune = 0.0
_prune_lock = threading.Lock()


def proof_key(*, jkt: str, jti: str) -> str:
    """Return the record's key: a digest, so that neither store holds client-chosen text as is.

    Per key (``jkt``): a client cannot spend another client's ``jti`` in advance.
    """
    return hashlib.sha256(f"{jkt}\x00{jti}".encode()).hexdigest()


@cache
def _record_script(url: str):
    # redis-py's Script sends EVALSHA, and the script itself again after a restart emptied
    # Redis's script cache.
    return failsafe.redis_client(url).register_script(_RECORD_SCRIPT)


def first_use(*, jkt: str, jti: str, valid_until: float) -> bool:
    """Record the proof ``jti`` of key ``jkt``, valid until the epoch ``valid_until``; return whether it is new."""
    key = proof_key(jkt=jkt, jti=jti)
    url = app_settings.DPOP_REPLAY_REDIS_URL
    if url:
        ttl = max(1, math.ceil(valid_until - time.time()))
        answer = failsafe.call(_record_script(url), keys=[KEY_PREFIX + key], args=[ttl])
        if answer is failsafe.UNAVAILABLE:
            metrics.dpop_replay_fallback("redis_unavailable")
        else:
            new, uptime = answer
            if not new:
                return False
            if uptime >= app_settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS:
                return not _recorded_in_database(key)
            # Redis restarted lately, and may have lost records: the database decides.
            metrics.dpop_replay_fallback("loss_window")
    return _first_use_in_database(key, valid_until)


def _recorded_in_database(key: str) -> bool:
    """Return whether a process that could not reach Redis recorded this proof, still valid."""
    return _proof_use_recorded(key=key, now=timezone.now())


def _first_use_in_database(key: str, valid_until: float) -> bool:
    now = timezone.now()
    _prune_now_and_then(now)
    return _proof_use_record(key=key, expires_at=datetime.fromtimestamp(valid_until, tz=UTC), now=now)


def _prune_now_and_then(now: datetime) -> None:
    """Delete lapsed records, at most once per ``PRUNE_INTERVAL_SECONDS`` in this process."""
    global _last_prune
    moment = time.monotonic()
    with _prune_lock:
        if moment - _last_prune < PRUNE_INTERVAL_SECONDS:
            return
        _last_prune = moment
    DPoPProofUse.objects.filter(expires_at__lte=now).delete()


# --- The statements (through the ORM, building them costs more than running them) -------------


@cache
def _proof_use_sql(alias: str) -> tuple[str, str]:
    """Return the SQL that records a DPoP proof's use and the SQL that reads whether it is recorded."""
    quote = connections[alias].ops.quote_name
    meta = DPoPProofUse._meta
    table, key, until = (
        quote(meta.db_table),
        quote(meta.get_field("key").column),
        quote(meta.get_field("expires_at").column),
    )
    # SQLite (3.24 and later) and PostgreSQL spell the upsert alike.
    record = (
        f"INSERT INTO {table} ({key}, {until}) VALUES (%s, %s) "
        f"ON CONFLICT ({key}) DO UPDATE SET {until} = EXCLUDED.{until} WHERE {table}.{until} <= %s"
    )
    recorded = f"SELECT 1 FROM {table} WHERE {key} = %s AND {until} > %s"
    return record, recorded


def _proof_use_record(*, key: str, expires_at: datetime, now: datetime) -> bool:
    """Record the use of the DPoP proof ``key`` until ``expires_at``; return whether it is the first.

    A row of an earlier use is taken over once it has lapsed (no proof bearing it can be valid
    any more); the statement's condition settles a race. Stands for::

        try:
            with transaction.atomic():
                DPoPProofUse.objects.create(key=key, expires_at=expires_at)
        except IntegrityError:
            return DPoPProofUse.objects.filter(key=key, expires_at__lte=now).update(expires_at=expires_at) == 1
        return True
    """
    connection = connection_for(DPoPProofUse, write=True)
    adapt = connection.ops.adapt_datetimefield_value
    with prepared_cursor(connection) as cursor:
        cursor.execute(_proof_use_sql(connection.alias)[0], [key, adapt(expires_at), adapt(now)])
        return cursor.rowcount == 1


def _proof_use_recorded(*, key: str, now: datetime) -> bool:
    """Return whether the use of the DPoP proof ``key`` is recorded and still valid at ``now``.

    Stands for ``DPoPProofUse.objects.filter(key=key, expires_at__gt=now).exists()``.
    """
    connection = connection_for(DPoPProofUse, write=False)
    with prepared_cursor(connection) as cursor:
        cursor.execute(
            _proof_use_sql(connection.alias)[1], [key, connection.ops.adapt_datetimefield_value(now)]
        )
        return cursor.fetchone() is not None
