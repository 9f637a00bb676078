"""One use per DPoP proof: a proof's ``jti`` is accepted once per key for as long as the proof is valid.

The record lives in Redis when it answers (one round trip: ``SET key 1 NX EX ttl``), shared by
every server process. When Redis is unset, failing, or behind an open breaker
(``common.failsafe``), the database takes the record instead (``DPoPProofUse``): one INSERT,
whose primary key makes a second use fail in every process, so replay protection never depends
on Redis being there.

The bound: a proof recorded in Redis just before Redis went away (or lost its data, or was
restored from an old snapshot) is unknown to the database, and could be accepted once more until
its ``iat`` leaves the acceptance window (``DPOP_PROOF_MAX_AGE_SECONDS``, 60 s). Such a replay
needs the proof itself, not only the token, and can only repeat the same method on the same URL
(and, on resource requests, with the same access token).
"""

import hashlib
import math
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import DPoPProofUse
from common import failsafe

KEY_PREFIX = "dpop:jti:"
# Lapsed rows are deleted by the process that meets them, at most this often.
PRUNE_INTERVAL_SECONDS = 60.0

_last_prune = 0.0
_prune_lock = threading.Lock()


def proof_key(*, jkt: str, jti: str) -> str:
    """Return the record's key: a digest, so that neither store holds client-chosen text as is.

    Per key (``jkt``): a client cannot spend another client's ``jti`` in advance.
    """
    return hashlib.sha256(f"{jkt}\x00{jti}".encode()).hexdigest()


def first_use(*, jkt: str, jti: str, valid_until: float) -> bool:
    """Record the proof ``jti`` of key ``jkt``, valid until the epoch ``valid_until``; return whether it is new."""
    key = proof_key(jkt=jkt, jti=jti)
    url = getattr(settings, "DPOP_REPLAY_REDIS_URL", None)
    if url:
        ttl = max(1, math.ceil(valid_until - time.time()))
        stored = failsafe.call(failsafe.redis_client(url).set, KEY_PREFIX + key, b"1", nx=True, ex=ttl)
        if stored is not failsafe.UNAVAILABLE:
            return bool(stored)
    return _first_use_in_database(key, valid_until)


def _first_use_in_database(key: str, valid_until: float) -> bool:
    now = timezone.now()
    until = datetime.fromtimestamp(valid_until, tz=UTC)
    _prune_now_and_then(now)
    try:
        with transaction.atomic():
            DPoPProofUse.objects.create(key=key, expires_at=until)
    except IntegrityError:
        # A row of an earlier use: taken over only once it has lapsed (no proof carrying that
        # jti can pass the iat check any more). The UPDATE's condition settles a race.
        return DPoPProofUse.objects.filter(key=key, expires_at__lte=now).update(expires_at=until) == 1
    return True


def _prune_now_and_then(now: datetime) -> None:
    """Delete lapsed records, at most once per ``PRUNE_INTERVAL_SECONDS`` in this process."""
    global _last_prune
    moment = time.monotonic()
    with _prune_lock:
        if moment - _last_prune < PRUNE_INTERVAL_SECONDS:
            return
        _last_prune = moment
    DPoPProofUse.objects.filter(expires_at__lte=now).delete()
