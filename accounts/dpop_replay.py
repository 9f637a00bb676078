"""One use per DPoP proof, twice at most through any Redis fault.

A proof's ``jti`` is recorded per key for as long as the proof could pass the ``iat`` check. Two
stores hold records, and every check consults both whenever it can:

* **Redis, when it answers** (one round trip): a script sets ``dpop:jti:<digest>`` if absent,
  with the proof's remaining lifetime as expiry, and returns, beside "new" or "seen", how long
  this Redis has been running.
* **The database** (``DPoPProofUse``, the digest as primary key): written when Redis is unset,
  failing or behind this process's open breaker (``common.failsafe``), and written too while Redis
  has been up for less than ``DPOP_REPLAY_LOSS_WINDOW_SECONDS`` (two minutes: it was restarted or
  restored from a snapshot, and may have lost records of proofs that are still valid: a proof
  used at ``t`` has ``iat <= t + 60 s`` and passes the check until ``iat + 60 s`` at the latest). Otherwise, when Redis says
  "new", one primary-key read: a proof recorded there by a process that could not reach Redis
  is refused here too, by every process, whether or not it ever saw the outage.

The bound: a proof is accepted at most twice in all, and twice only when Redis was in the way.

* Accepted through Redis outside the loss window: only if Redis had no record and the database
  had none. Redis keeps that record until it loses data, which it can only do (detectably) by
  restarting, and a restart opens the loss window. So this happens at most once.
* Accepted through the database (Redis unavailable here, or in the loss window): only by the
  INSERT that creates the row, whose primary key allows one, and the row outlives the proof.
* So: once through Redis before Redis lost the record (or before the database had it), plus at
  most once through the database. The second use needs the proof itself, within its 60 s, and can
  only repeat the same method on the same URL (with the same access token).

What the uptime cannot see counts as a restart it missed: a record evicted (``maxmemory`` with an
eviction policy), ``FLUSHDB``, a failover to a replica that had not received it. Each can allow
one more use of the proofs it lost; run the replay record's Redis with ``noeviction``.

Why this design and what it costs a request: ``docs/dpop.md`` ("The replay record"), measured
by ``bench/dpop_replay.py``.
"""

import hashlib
import math
import threading
import time
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from django.utils import timezone

from accounts import hot_sql
from accounts.models import DPoPProofUse
from common import failsafe

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
    url = getattr(settings, "DPOP_REPLAY_REDIS_URL", None)
    if url:
        ttl = max(1, math.ceil(valid_until - time.time()))
        answer = failsafe.call(_record_script(url), keys=[KEY_PREFIX + key], args=[ttl])
        if answer is not failsafe.UNAVAILABLE:
            new, uptime = answer
            if not new:
                return False
            if uptime >= settings.DPOP_REPLAY_LOSS_WINDOW_SECONDS:
                return not _recorded_in_database(key)
            # Redis restarted lately, and may have lost records: the database decides.
    return _first_use_in_database(key, valid_until)


def _recorded_in_database(key: str) -> bool:
    """Return whether a process that could not reach Redis recorded this proof, still valid."""
    return hot_sql.proof_use_recorded(key=key, now=timezone.now())


def _first_use_in_database(key: str, valid_until: float) -> bool:
    now = timezone.now()
    _prune_now_and_then(now)
    return hot_sql.proof_use_record(key=key, expires_at=datetime.fromtimestamp(valid_until, tz=UTC), now=now)


def _prune_now_and_then(now: datetime) -> None:
    """Delete lapsed records, at most once per ``PRUNE_INTERVAL_SECONDS`` in this process."""
    global _last_prune
    moment = time.monotonic()
    with _prune_lock:
        if moment - _last_prune < PRUNE_INTERVAL_SECONDS:
            return
        _last_prune = moment
    DPoPProofUse.objects.filter(expires_at__lte=now).delete()
