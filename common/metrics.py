"""Prometheus metrics: what every process counts, and what ``/metrics`` tells the scraper.

Every metric of the project is defined here, with one function to record it; code elsewhere
records with one line and never builds a label itself::

    from common import metrics

    metrics.refresh("ok")                      # auth_refresh_total{outcome}
    metrics.login("failed")                    # auth_login_total{outcome}
    metrics.sessions_revoked("logout", count=1)  # sessions_revoked_total{reason}
    metrics.session_cache("hit")               # session_cache_requests_total{result}
    metrics.dpop_replay_fallback("redis_unavailable")  # dpop_replay_fallbacks_total{cause}
    metrics.mail_failure("send")               # mail_failures_total{step}
    metrics.password_hashing_busy()            # password_hashing_refused_total

Each label takes only the values listed below (``REFRESH_OUTCOMES`` and the others): another one
raises ValueError, so a typo fails its test instead of opening a new series, and no label ever
holds what a client chose (a token, an email, a user id). Recording costs a dictionary lookup
and an addition (under gunicorn, a write to a memory-mapped file): docs/several-nodes.md has the
measured cost per request.

These are recorded by common itself: ``http_request`` (common.middleware.MetricsMiddleware, per
request, labelled by the route *template* of Django's resolver, never the path), ``redis_fallback``
(common.failsafe's breaker), ``database_refused`` (common.exceptions), ``outage`` (common.outages);
and at scrape time, from the database, the revocation epochs not settled yet.

Several processes: gunicorn.conf.py gives the workers of a server a fresh
``PROMETHEUS_MULTIPROC_DIR``, each process writes its values there, and a scrape sums them
(prometheus_client's multiprocess mode); gauges count the live processes in a state. Without
that variable (runserver, the tests) the process's own values are served.
"""

import ipaddress
import os
from datetime import UTC, datetime
from functools import cache

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder

# A ``_created`` series per counter doubles what a scrape carries, and is not kept in
# multiprocess mode anyway: the same output whatever the server.
disable_created_metrics()

# --- Label values: the only ones each label may take --------------------------------------------

REFRESH_OUTCOMES = ("ok", "grace", "reuse", "expired", "revoked", "invalid")
# "failed": wrong credentials or an inactive account; "rejected": refused before the credentials
# counted (no DPoP proof where one is required, a password changed during the login).
LOGIN_OUTCOMES = ("ok", "failed", "throttled", "session_limit", "rejected")
# accounts' RevokeReason values (a test keeps the two lists equal).
REVOCATION_REASONS = (
    "logout",
    "logout_all",
    "session_deleted",
    "password_changed",
    "reuse_detected",
    "user_deactivated",
    "admin",
    "command",
    "logout_others",
    "session_limit",
    "password_reset",
)
# "bypass": the store was not asked (not configured, Redis failing, invalidations pending).
SESSION_CACHE_RESULTS = ("hit", "miss", "bypass")
# The proof was recorded in the database: Redis could not be used, or restarted lately.
DPOP_REPLAY_FALLBACK_CAUSES = ("redis_unavailable", "loss_window")
MAIL_FAILURE_STEPS = ("render", "send")
# A Redis call answered from the fallback: it failed, or the open breaker skipped it.
REDIS_FALLBACK_CAUSES = ("error", "breaker_open")
# A request answered 503 for the database: an outage, or its statement cancelled past its bound.
DATABASE_REFUSAL_CAUSES = ("outage", "statement_cancelled")
OUTAGE_SERVICES = ("database", "redis")

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
# The method label of any other method a client sends: it chose that text.
OTHER_METHOD = "other"
# The route label of a request that no URL pattern matched, and of a file WhiteNoise served.
UNMATCHED_ROUTE = "unmatched"
STATIC_ROUTE = "static"

# From a millisecond (a refresh from the session cache) to 10 s (past any request's bound).
DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Enumerated:
    """A counter with one label that takes only ``values``: its series exist (at 0) from the start."""

    def __init__(self, name: str, documentation: str, label: str, values: tuple[str, ...]):
        self.metric = Counter(name, documentation, [label])
        self.label = label
        self.values = values
        self._children = {value: self.metric.labels(value) for value in values}

    def inc(self, value: str, amount: float = 1) -> None:
        """Add ``amount`` to the series of ``value``; raise ValueError for a value not listed."""
        try:
            child = self._children[value]
        except KeyError:
            raise ValueError(f"{self.label} must be one of {self.values}, not {value!r}") from None
        child.inc(amount)


# --- HTTP ------------------------------------------------------------------------------------

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "Requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request reaching Django to its response, by method, route template and status.",
    ["method", "route", "status"],
    buckets=DURATION_BUCKETS,
)
_http_series = {}


def http_request(*, method: str, route: str, status: int, seconds: float) -> None:
    """Count one request and its duration; ``route`` a template (``route_label``), never a path."""
    # Keyed by the labels, not the raw method: a client sending made-up methods must not grow it.
    key = (method if method in HTTP_METHODS else OTHER_METHOD, route, status)
    series = _http_series.get(key)
    if series is None:
        labels = (key[0], route, str(status))
        series = _http_series.setdefault(key, (HTTP_REQUESTS.labels(*labels), HTTP_DURATION.labels(*labels)))
    series[0].inc()
    series[1].observe(seconds)


def route_label(request, response) -> str:
    """Return the label of the route ``request`` took: the URL pattern that matched, as written.

    ``/api/todos/<int:pk>/``, never ``/api/todos/42/``: a path may hold anything a client typed.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route
    if getattr(response, "__module__", "").startswith("whitenoise"):
        return STATIC_ROUTE
    return UNMATCHED_ROUTE


# --- Authentication and sessions (recorded by accounts) --------------------------------------

AUTH_REFRESH = Enumerated("auth_refresh_total", "Refresh requests by outcome.", "outcome", REFRESH_OUTCOMES)
AUTH_LOGIN = Enumerated("auth_login_total", "Login requests by outcome.", "outcome", LOGIN_OUTCOMES)
SESSIONS_REVOKED = Enumerated(
    "sessions_revoked_total", "Sessions revoked, by reason.", "reason", REVOCATION_REASONS
)
SESSION_CACHE = Enumerated(
    "session_cache_requests_total",
    "Authentications by what the session cache answered.",
    "result",
    SESSION_CACHE_RESULTS,
)
DPOP_REPLAY_FALLBACKS = Enumerated(
    "dpop_replay_fallbacks_total",
    "DPoP proofs recorded in the database instead of Redis alone, by cause.",
    "cause",
    DPOP_REPLAY_FALLBACK_CAUSES,
)
MAIL_FAILURES = Enumerated(
    "mail_failures_total", "Mails that could not be rendered or sent, by step.", "step", MAIL_FAILURE_STEPS
)


def refresh(outcome: str) -> None:
    """Count one refresh request: ``outcome`` one of ``REFRESH_OUTCOMES``."""
    AUTH_REFRESH.inc(outcome)


def login(outcome: str) -> None:
    """Count one login request: ``outcome`` one of ``LOGIN_OUTCOMES``."""
    AUTH_LOGIN.inc(outcome)


def sessions_revoked(reason: str, *, count: int = 1) -> None:
    """Count ``count`` sessions revoked for ``reason`` (one of ``REVOCATION_REASONS``)."""
    if count:
        SESSIONS_REVOKED.inc(reason, count)


def session_cache(result: str) -> None:
    """Count one authentication by what the session cache did: ``hit``, ``miss`` or ``bypass``."""
    SESSION_CACHE.inc(result)


def dpop_replay_fallback(cause: str) -> None:
    """Count one DPoP proof recorded in the database: ``redis_unavailable`` or ``loss_window``."""
    DPOP_REPLAY_FALLBACKS.inc(cause)


def mail_failure(step: str) -> None:
    """Count one mail that failed at ``step``: ``render`` or ``send``."""
    MAIL_FAILURES.inc(step)


PASSWORD_HASHING_REFUSED = Counter(
    "password_hashing_refused_total",
    "Requests answered 503 because every password-hashing slot of their process stayed taken "
    "past PASSWORD_HASH_WAIT_SECONDS (accounts/hashers.py).",
)


def password_hashing_busy() -> None:
    """Count one request refused for want of a password-hashing slot."""
    PASSWORD_HASHING_REFUSED.inc()


# --- Dependencies (recorded by common) -------------------------------------------------------

REDIS_FALLBACKS = Enumerated(
    "redis_fallbacks_total",
    "Redis calls answered from the fallback (database, per-process cache): failed, or skipped by "
    "the open circuit breaker.",
    "cause",
    REDIS_FALLBACK_CAUSES,
)
DATABASE_REFUSALS = Enumerated(
    "database_refusals_total",
    "Requests answered 503 because of the database: an outage, or a statement cancelled past "
    "DB_STATEMENT_TIMEOUT_SECONDS.",
    "cause",
    DATABASE_REFUSAL_CAUSES,
)
OUTAGE_PROCESSES = Gauge(
    "outage_processes",
    "Server processes that count the service as unavailable now (for Redis: whose circuit breaker "
    "is open), summed over the live processes.",
    ["service"],
    multiprocess_mode="livesum",
)
_outages = {service: OUTAGE_PROCESSES.labels(service) for service in OUTAGE_SERVICES}


def redis_fallback(cause: str) -> None:
    """Count one Redis call answered from the fallback: ``error`` or ``breaker_open``."""
    REDIS_FALLBACKS.inc(cause)


def database_refused(cause: str) -> None:
    """Count one request answered 503 for the database: ``outage`` or ``statement_cancelled``."""
    DATABASE_REFUSALS.inc(cause)


def outage(service: str, *, active: bool) -> None:
    """Tell whether this process counts ``service`` (``database``, ``redis``) as unavailable now."""
    try:
        gauge = _outages[service]
    except KeyError:
        raise ValueError(f"service must be one of {OUTAGE_SERVICES}, not {service!r}") from None
    gauge.set(1 if active else 0)


# --- At scrape time ---------------------------------------------------------------------------


class RevocationEpochs:
    """The revocation epochs not settled yet (``revoke_sessions --all`` until ``prune_sessions``), read at scrape time.

    One aggregate over a partial index that is empty but for the hours after a bulk revocation.
    While the database does not answer, the two gauges are left out rather than made up.
    """

    def collect(self):
        from django.apps import apps
        from django.db import Error
        from django.db.models import Count, Min

        epoch = apps.get_model("accounts", "RevocationEpoch")
        try:
            found = epoch.objects.filter(settled_at__isnull=True).aggregate(
                count=Count("pk"), oldest=Min("revoked_at")
            )
        except Error:
            return
        age = (datetime.now(UTC) - found["oldest"]).total_seconds() if found["oldest"] else 0.0
        yield GaugeMetricFamily(
            "revocation_epochs_unsettled",
            "Revocation epochs not settled yet: every authentication reads them until prune_sessions settles them.",
            value=found["count"],
        )
        yield GaugeMetricFamily(
            "revocation_epoch_oldest_unsettled_age_seconds",
            "Age of the oldest unsettled revocation epoch (0 when none): large when prune_sessions does not run.",
            value=max(0.0, age),
        )


class _ThisProcess:
    """The default registry's metrics, as one collector of another registry."""

    def collect(self):
        yield from REGISTRY.collect()


def multiprocess_directory() -> str | None:
    """Return the directory where this server's processes write their values, or None (one process)."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(accept: str = "") -> tuple[bytes, str]:
    """Return what a scrape gets (summed over the server's processes) and its content type.

    The format is the one the scraper's ``Accept`` header asks for (OpenMetrics, or Prometheus'
    text format by default), as prometheus_client negotiates it.
    """
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_directory()
    if directory:
        multiprocess.MultiProcessCollector(registry, path=directory)
    else:
        registry.register(_ThisProcess())
    registry.register(RevocationEpochs())
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


# --- Who may scrape ---------------------------------------------------------------------------


def allowed_networks(values) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Return ``METRICS_ALLOWED_IPS``'s entries (addresses or networks) as networks; raise ValueError on a wrong one."""
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values if value.strip())


@cache
def _networks(values: tuple[str, ...]):
    return allowed_networks(values)


def scrape_allowed(client_ip: str | None, allowed) -> bool:
    """Return whether ``client_ip`` (``common.net.client_ip``'s answer) is in one of the ``allowed`` entries."""
    if not client_ip:
        return False
    address = ipaddress.ip_address(client_ip)
    # An IPv4 client of a server listening on IPv6 shows as ::ffff:a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return any(
        candidate in network
        for network in _networks(tuple(allowed))
        for candidate in (address, mapped)
        if candidate is not None and candidate.version == network.version
    )
