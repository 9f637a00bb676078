"""The bound on database statements of requests (``DB_STATEMENT_TIMEOUT_SECONDS``), PostgreSQL only.

A request whose statement runs or waits on a lock past the bound is cancelled by PostgreSQL
(``QueryCanceled``, ``LockNotAvailable``: Django's ``OperationalError``) and answered 503 like a
database outage (common.exceptions, common.middleware); the worker is free for the next request.

The bound is a property of the connection, not of each request: ``statement_timeout`` and
``lock_timeout`` travel in the connection's startup packet (libpq's ``options``, added by
common.db.postgresql), so it costs no round trip, covers the statements that run outside any
transaction (a refresh is one autocommit UPDATE), and every connection the process opens, a
new one after the health check found the old one dead included, has it from its first
statement. A ``SET LOCAL`` per transaction would do neither.

Only processes that serve requests apply it: config/wsgi.py (gunicorn, runserver) calls
``bound_requests()`` before any connection is opened. Management commands never do, so a
migration, ``revoke_sessions`` or ``prune_sessions`` waits and runs as long as it needs.

A pooler in between may refuse startup options (PgBouncer does: "unsupported startup
parameter: options"). The process then logs it once and connects without them from then on,
unbounded, rather than fail every request; the bound belongs on the database role then
(docs/degraded-operation.md).
"""

import contextlib
import logging
from collections.abc import Iterator

from django.conf import settings
from django.db import connections, transaction
from psycopg import errors

logger = logging.getLogger("common.db")

_requests_bounded = False
_options_refused = False


def bound_requests() -> None:
    """Bound the statements of every connection this process opens from now on (request-serving processes)."""
    global _requests_bounded
    _requests_bounded = True


def request_timeout_ms() -> int:
    """Return the bound of this process's statements in milliseconds, 0 when they have none."""
    if not _requests_bounded or _options_refused:
        return 0
    return _milliseconds(settings.DB_STATEMENT_TIMEOUT_SECONDS)


def admin_bulk_timeout_seconds() -> float | None:
    """Return the bound of the admin's bulk revocations, or None where requests are not bounded either."""
    return settings.DB_ADMIN_STATEMENT_TIMEOUT_SECONDS if request_timeout_ms() else None


def startup_options(options: str | None) -> str | None:
    """Return libpq ``options`` with this process's bound added, as a new connection should carry them."""
    bound = request_timeout_ms()
    if not bound:
        return options
    return " ".join(filter(None, [options, f"-c statement_timeout={bound} -c lock_timeout={bound}"]))


def startup_options_refused(exc: BaseException, options: str | None) -> bool:
    """Return whether a connection failed because a pooler refused the bound in its ``options``; if so, drop the bound.

    Logged once: from then on this process connects, and runs its statements, without it.
    """
    global _options_refused
    ours = startup_options(None)
    if not ours or ours not in (options or "") or "unsupported startup parameter" not in str(exc):
        return False
    _options_refused = True
    logger.warning(
        "The database refuses startup options (%s): a pooler? Statements of this process run without "
        "DB_STATEMENT_TIMEOUT_SECONDS; set statement_timeout and lock_timeout on the database role instead.",
        str(exc).strip().splitlines()[-1],
    )
    return True


@contextlib.contextmanager
def statement_timeout(seconds: float, *, using: str = "default") -> Iterator[None]:
    """Run the block in a transaction (a savepoint in one) whose statements and lock waits may each take ``seconds``.

    0 means no bound. PostgreSQL only; elsewhere the block just runs in a transaction. The
    connection's own bounds come back when the block ends, also inside an outer transaction,
    where a ``SET LOCAL`` would last to its end; a block that fails rolls them back with it.
    """
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor != "postgresql":
            yield
            return
        bound = str(_milliseconds(seconds))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('statement_timeout'), current_setting('lock_timeout'),"
                " set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
                [bound, bound],
            )
            previous = cursor.fetchone()[:2]
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
                previous,
            )


def statement_cancelled(exc: BaseException) -> bool:
    """Return whether ``exc`` is PostgreSQL cancelling a statement (its statement_timeout or lock_timeout ran out)."""
    return isinstance(exc.__cause__, (errors.QueryCanceled, errors.LockNotAvailable))


def _milliseconds(seconds: float) -> int:
    # PostgreSQL counts in whole milliseconds, where 0 is "no bound": round up, never to 0.
    return 0 if seconds <= 0 else max(1, round(seconds * 1000))
