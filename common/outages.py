"""Outages of a service this process depends on: told in a few lines, never one per request.

An outage begins at the first failure that meets it: one line with its cause. While it lasts,
failures are only counted; at most every ``REPORT_SECONDS`` the next failure logs how many there
were since the last line. It ends at the first success after it: one line with how long it
lasted and how many failures it cost. So PostgreSQL down for a minute under load writes about
eight lines per server process instead of one per refused request.

Two outages are tracked per process: ``database`` here (fed by the 503s of common.exceptions,
common.middleware and common.views), and Redis's, inside the circuit breaker of common.failsafe.
"""

import logging
import threading
import time

from common import metrics

# The most often a count is logged while an outage lasts (docs/degraded-operation.md).
REPORT_SECONDS = 10.0


# The most of a cause's message a line repeats: redis-py's lookup through Sentinel, say, names
# every Sentinel's client at length after the point ("No master found for 'name'").
CAUSE_MAX_LENGTH = 200


def describe(exc: BaseException) -> str:
    """Return ``exc``'s type and the first line of its message: the cause, without a traceback."""
    message = str(exc).strip().splitlines()
    if not message:
        return type(exc).__name__
    first = message[0] if len(message[0]) <= CAUSE_MAX_LENGTH else message[0][:CAUSE_MAX_LENGTH] + "..."
    return f"{type(exc).__name__}: {first}"


class Outage:
    """One service's outages in this process: log the beginning, a count at most every
    ``REPORT_SECONDS``, and the end, each once.

    ``failed`` and ``ended`` are safe to call from any thread; ``ended`` costs one attribute read
    when nothing is failing, so the healthy path can call it freely.
    """

    def __init__(
        self,
        name: str,
        *,
        logger: logging.Logger,
        level: int,
        counted: str,
        meanwhile: str,
        service: str | None = None,
    ):
        self.name = name
        self.service = service  # its label in common.metrics' outage_processes, if it has one
        self.logger = logger
        self.level = level  # of the beginning and the counts; the end is a WARNING at most
        self.counted = counted  # what a failure is, in the plural: "requests refused"
        self.meanwhile = meanwhile  # what the process does while the service is away
        self.clock = time.monotonic
        self._lock = threading.Lock()
        self._clear()

    def _clear(self):
        self._began = None
        self._reported_at = 0.0
        self._total = 0
        self._since_report = 0
        self._cause = ""

    @property
    def active(self) -> bool:
        return self._began is not None

    def failed(self, exc: BaseException | None = None) -> None:
        """Count one failure (``exc`` its cause, when there is one); log as the module says."""
        cause = describe(exc) if exc is not None else None
        with self._lock:
            now = self.clock()
            self._cause = cause or self._cause
            if self._began is None:
                self._began = self._reported_at = now
                self._total, self._since_report = 1, 0
                self._tell_metrics(active=True)
                line = ("%s unavailable (%s); %s", self.name, self._cause or "no cause given", self.meanwhile)
            else:
                self._total += 1
                self._since_report += 1
                if now - self._reported_at < REPORT_SECONDS:
                    return
                line = (
                    "%s still unavailable: %d %s in the last %.0f s, %d in %.0f s since it began (last cause %s)",
                    self.name,
                    self._since_report,
                    self.counted,
                    now - self._reported_at,
                    self._total,
                    now - self._began,
                    self._cause,
                )
                self._reported_at, self._since_report = now, 0
        self.logger.log(self.level, *line)

    def ended(self) -> None:
        """End the outage, if one is going on, after a call that worked; log so once."""
        if self._began is None:
            return
        with self._lock:
            if self._began is None:
                return  # another thread ended it meanwhile
            lasted, total = self.clock() - self._began, self._total
            self._clear()
            self._tell_metrics(active=False)
        self.logger.log(
            min(self.level, logging.WARNING),
            "%s is back after %.1f s; %d %s meanwhile",
            self.name,
            lasted,
            total,
            self.counted,
        )

    def reset(self) -> None:
        """Forget any outage without a word (tests, and a changed configuration)."""
        with self._lock:
            self._clear()
            self._tell_metrics(active=False)

    def _tell_metrics(self, *, active: bool) -> None:
        if self.service is not None:
            metrics.outage(self.service, active=active)


database = Outage(
    "Database",
    service="database",
    logger=logging.getLogger("common.outages"),
    level=logging.ERROR,
    counted="requests refused",
    meanwhile="answering 503 until it is back",
)


class Bursts:
    """Failures that are no outage, yet may come by the hundred: told at most every ``REPORT_SECONDS``.

    The first is logged at once with its cause; later ones are counted, and the next one after
    ``REPORT_SECONDS`` logs how many there were since the last line. Nothing begins or ends: the
    service answers other requests meanwhile.
    """

    def __init__(self, what: str, *, logger: logging.Logger, level: int):
        self.what = what  # what happened, in the plural: "statements cancelled"
        self.logger = logger
        self.level = level
        self.clock = time.monotonic
        self._lock = threading.Lock()
        self.reset()

    def happened(self, exc: BaseException) -> None:
        """Count one (``exc`` its cause); log the count when the last line is ``REPORT_SECONDS`` old."""
        with self._lock:
            now = self.clock()
            self._count += 1
            if self._logged_at is not None and now - self._logged_at < REPORT_SECONDS:
                return
            count, self._count = self._count, 0
            since = "" if self._logged_at is None else f" in the last {now - self._logged_at:.0f} s"
            self._logged_at = now
        self.logger.log(self.level, "%d %s%s (last cause %s)", count, self.what, since, describe(exc))

    def reset(self) -> None:
        """Forget what was counted (tests, and a changed configuration)."""
        with self._lock:
            self._count = 0
            self._logged_at = None


# A statement past DB_STATEMENT_TIMEOUT_SECONDS (common.db) is cancelled by PostgreSQL: its
# request gets the outage's 503, but the database is up and serving everyone else.
statements_cancelled = Bursts(
    "statements cancelled past DB_STATEMENT_TIMEOUT_SECONDS, each answered 503",
    logger=logging.getLogger("common.outages"),
    level=logging.WARNING,
)


class ServiceUnavailableIsNoError(logging.Filter):
    """Log Django's line for a 503 response at DEBUG, without a traceback, instead of at ERROR.

    Django logs every 5xx response as an ERROR (``django.request``). A 503 is an answer this
    project gives on purpose: the database is away (its outage is told by ``database`` above,
    once), or the web client is not built. A per-request ERROR would bury the log under
    identical lines; a bug's 500 keeps its ERROR and traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) != 503:
            return True
        record.levelno, record.levelname = logging.DEBUG, logging.getLevelName(logging.DEBUG)
        record.exc_info = record.exc_text = None
        # The logger let the record through as an ERROR: hold it back unless DEBUG is on.
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
