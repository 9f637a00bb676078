"""/metrics in one process: who may read it, what it counts, and that no label holds a client's text.

The values are read back from the scrape itself (Prometheus' text format, parsed with
prometheus_client's parser): what a scraper would see, not the objects behind it.
"""

import io
import platform
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import PASSWORD
from accounts.tests.helpers import breaker_allows, trip_the_breaker
from common import failsafe, metrics
from common.tests.test_database_outage import UnreachableDatabase

pytestmark = pytest.mark.django_db

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(client=None, **extra):
    """Return {(name, frozenset(labels)): value} of a scrape from 127.0.0.1, and the response."""
    response = (client or Client()).get("/metrics", **{**LOCAL, **extra})
    assert response.status_code == 200, response.status_code
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, response


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def requests_of(samples, route, status, method="GET"):
    return value(samples, "http_requests_total", method=method, route=route, status=str(status))


# --- Who may read it ------------------------------------------------------------------------


def test_a_local_scraper_gets_prometheus_text():
    samples, response = scrape()
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    # Every series of a labelled counter exists from the start, at 0.
    for outcome in metrics.REFRESH_OUTCOMES:
        assert ("auth_refresh_total", frozenset({("outcome", outcome)})) in samples


def test_openmetrics_is_served_to_a_scraper_that_asks_for_it():
    response = Client().get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0", **LOCAL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.decode().rstrip().endswith("# EOF")


@pytest.mark.parametrize("remote", ["10.0.0.7", "192.168.1.20", "2001:db8::1"])
def test_everyone_else_gets_a_404_whatever_the_method(remote):
    for method in ("get", "post", "head"):
        response = getattr(Client(), method)("/metrics", REMOTE_ADDR=remote)
        assert response.status_code == 404, (method, remote)
        assert b"http_requests_total" not in response.content


def test_an_ipv4_client_of_an_ipv6_listener_counts_as_its_ipv4_address():
    assert Client().get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="::ffff:10.0.0.7").status_code == 404


def test_networks_and_addresses_may_be_allowed(settings):
    settings.METRICS_ALLOWED_IPS = ["10.1.0.0/16", "2001:db8::5"]
    assert Client().get("/metrics", REMOTE_ADDR="10.1.200.3").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="2001:db8::5").status_code == 200
    assert Client().get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 404
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404


def test_an_allowed_scraper_posting_gets_a_405():
    response = Client().post("/metrics", **LOCAL)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_a_forwarded_address_counts_only_from_a_trusted_proxy(behind_proxies):
    spoofed = {"REMOTE_ADDR": "10.9.9.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}
    # No trusted proxy: the header is the client's own text, the peer is 10.9.9.9.
    assert Client().get("/metrics", **spoofed).status_code == 404
    behind_proxies(1)
    # One trusted proxy at 10.9.9.9: the client is the address it forwarded.
    assert Client().get("/metrics", **spoofed).status_code == 200
    proxied_outsider = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert Client().get("/metrics", **proxied_outsider).status_code == 404


@pytest.mark.parametrize("value", ["10.0.0.300", "localhost", "10.0.0.0/33"])
def test_a_wrong_allowed_entry_stops_the_start(run_settings, value):
    done = run_settings(METRICS_ALLOWED_IPS=f"127.0.0.1,{value}")
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and "METRICS_ALLOWED_IPS" in done.stderr


# --- What it counts ------------------------------------------------------------------------


def test_requests_are_counted_by_route_template_method_and_status(auth_client):
    before, _ = scrape()
    assert auth_client.get("/api/todos/424242/").status_code == 404
    assert auth_client.get("/api/todos/").status_code == 200
    assert Client().get("/api/todos/").status_code == 401
    assert Client().get("/no/such/page/someone@example.com").status_code == 404
    assert Client().generic("BREW", "/api/health/").status_code == 405
    after, _ = scrape()

    def grew(route, status, method="GET"):
        return requests_of(after, route, status, method) - requests_of(before, route, status, method)

    assert grew("/api/todos/<int:pk>/", 404) == 1
    assert grew("/api/todos/", 200) == 1
    assert grew("/api/todos/", 401) == 1
    assert grew(metrics.UNMATCHED_ROUTE, 404) == 1
    assert grew("/api/health/", 405, method=metrics.OTHER_METHOD) == 1
    count = value(
        after, "http_request_duration_seconds_count", method="GET", route="/api/todos/", status="200"
    )
    assert (
        count
        == value(
            before, "http_request_duration_seconds_count", method="GET", route="/api/todos/", status="200"
        )
        + 1
    )
    total = value(after, "http_request_duration_seconds_sum", method="GET", route="/api/todos/", status="200")
    assert total > 0


def test_a_file_whitenoise_serves_is_counted_as_static(static_client):
    before, _ = scrape()
    assert static_client.get("/static/admin/css/base.css").status_code == 200
    after, _ = scrape()
    assert requests_of(after, metrics.STATIC_ROUTE, 200) == requests_of(before, metrics.STATIC_ROUTE, 200) + 1


def test_made_up_methods_share_one_series():
    for method in ("FOO1", "FOO2", "FOO3"):
        Client().generic(method, "/api/health/")
    samples, _ = scrape()
    methods = {dict(labels)["method"] for name, labels in samples if name == "http_requests_total"}
    assert not {"FOO1", "FOO2", "FOO3"} & methods
    assert metrics.OTHER_METHOD in methods


# The project's URL patterns, and those some tests of this process serve instead.
URLCONFS = ("config.urls", "common.tests.crash_urls", "common.tests.outage_urls")


def routes_of_the_urlconfs():
    """Return every route label a resolved request can get: each URL pattern's full route, as written."""

    def walk(resolver, prefix):
        for pattern in resolver.url_patterns:
            own = str(pattern.pattern)
            route = prefix + (own.removeprefix("^") if prefix else own)
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern, route)
            else:
                yield "/" + route

    return {route for urlconf in URLCONFS for route in walk(get_resolver(urlconf), "")}


def test_no_label_ever_holds_what_a_client_sent(settings):
    """Traffic full of emails, tokens and ids; then every label value of the scrape is one of a known set."""
    settings.AUTH_THROTTLE_RATE = "none"
    client = Client()
    email = "label-probe@example.com"
    registered = client.post(
        "/api/auth/register/", {"email": email, "password": PASSWORD}, content_type="application/json"
    ).json()
    tokens = client.post(
        "/api/auth/login/", {"email": email, "password": PASSWORD}, content_type="application/json"
    ).json()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access']}"}
    client.post("/api/auth/refresh/", HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")
    client.post("/api/auth/refresh/", HTTP_AUTHORIZATION=f"Bearer {tokens['refresh']}")  # reuse
    client.post("/api/todos/", {"title": email}, content_type="application/json", **bearer)
    client.get(f"/api/users/{registered['user']['id']}/", **bearer)
    client.get(f"/api/auth/sessions/{registered['session']['id']}/", **bearer)
    client.get(f"/{tokens['refresh']}/{email}")
    client.get(f"/api/{email}/?token={tokens['access']}")
    client.generic(email, "/api/health/")
    client.post("/api/auth/login/", {"email": email, "password": "wrong"}, content_type="application/json")

    samples, response = scrape(client)
    allowed = {
        "method": {*metrics.HTTP_METHODS, metrics.OTHER_METHOD},
        "route": routes_of_the_urlconfs() | {metrics.UNMATCHED_ROUTE, metrics.STATIC_ROUTE},
        "status": {str(code) for code in range(100, 600)},
        "le": {str(bucket) for bucket in metrics.DURATION_BUCKETS} | {"+Inf"},
        "outcome": {*metrics.REFRESH_OUTCOMES, *metrics.LOGIN_OUTCOMES},
        "reason": set(metrics.REVOCATION_REASONS),
        "result": set(metrics.SESSION_CACHE_RESULTS),
        "cause": {
            *metrics.DPOP_REPLAY_FALLBACK_CAUSES,
            *metrics.REDIS_FALLBACK_CAUSES,
            *metrics.DATABASE_REFUSAL_CAUSES,
        },
        "step": set(metrics.MAIL_FAILURE_STEPS),
        "service": set(metrics.OUTAGE_SERVICES),
        # The process collector's own, in a single process.
        "implementation": {platform.python_implementation()},
        "major": {platform.python_version_tuple()[0]},
        "minor": {platform.python_version_tuple()[1]},
        "patchlevel": {platform.python_version_tuple()[2]},
        "version": {platform.python_version()},
        "generation": {"0", "1", "2"},
    }
    seen = set()
    for _, labels in samples:
        for label, text in labels:
            assert label in allowed, label
            assert text in allowed[label], (label, text)
            seen.add((label, text))
    assert ("route", "/api/auth/refresh/") in seen
    assert ("route", "/api/users/<int:pk>/") in seen
    body = response.content.decode()
    for secret in (email, tokens["access"], tokens["refresh"], registered["session"]["id"]):
        assert secret not in body


def test_a_value_not_listed_is_refused_and_counts_nothing():
    with pytest.raises(ValueError, match="outcome must be one of"):
        metrics.refresh("someone@example.com")
    with pytest.raises(ValueError):
        metrics.session_cache("HIT")
    with pytest.raises(ValueError):
        metrics.outage("postgres", active=True)
    samples, _ = scrape()
    outcomes = {dict(labels)["outcome"] for name, labels in samples if name == "auth_refresh_total"}
    assert outcomes == set(metrics.REFRESH_OUTCOMES)


def test_each_recording_function_moves_its_series():
    before, _ = scrape()
    metrics.refresh("grace")
    metrics.login("session_limit")
    metrics.sessions_revoked("logout_all", count=3)
    metrics.sessions_revoked("admin", count=0)
    metrics.session_cache("bypass")
    metrics.dpop_replay_fallback("loss_window")
    metrics.mail_failure("send")
    after, _ = scrape()
    for name, label, text, grown in (
        ("auth_refresh_total", "outcome", "grace", 1),
        ("auth_login_total", "outcome", "session_limit", 1),
        ("sessions_revoked_total", "reason", "logout_all", 3),
        ("sessions_revoked_total", "reason", "admin", 0),
        ("session_cache_requests_total", "result", "bypass", 1),
        ("dpop_replay_fallbacks_total", "cause", "loss_window", 1),
        ("mail_failures_total", "step", "send", 1),
    ):
        assert value(after, name, **{label: text}) - value(before, name, **{label: text}) == grown, name


def test_the_revocation_reasons_are_the_session_models_own():
    field = apps.get_model("accounts", "RevocationEpoch")._meta.get_field("reason")
    assert set(metrics.REVOCATION_REASONS) == {value for value, _ in field.choices}


# --- Dependencies ------------------------------------------------------------------------------


@pytest.fixture
def redis(redis_server, settings):
    """The module's private redis-server, running, with a breaker that retries soon."""
    redis_server.stop()
    redis_server.start()
    settings.REDIS_URL = redis_server.url
    settings.REDIS_RETRY_SECONDS = 0.3
    yield redis_server
    redis_server.stop()
    redis_server.start()


def test_a_redis_outage_shows_as_fallbacks_and_an_open_breaker(redis):
    before, _ = scrape()
    trip_the_breaker(redis, "killed")
    assert failsafe.call(failsafe.redis_client(redis.url).ping) is failsafe.UNAVAILABLE  # skipped
    during, _ = scrape()
    assert (
        value(during, "redis_fallbacks_total", cause="error")
        == value(before, "redis_fallbacks_total", cause="error") + 1
    )
    assert (
        value(during, "redis_fallbacks_total", cause="breaker_open")
        >= value(before, "redis_fallbacks_total", cause="breaker_open") + 1
    )
    assert value(during, "outage_processes", service="redis") == 1
    redis.start()
    breaker_allows()
    assert failsafe.call(failsafe.redis_client(redis.url).ping) is True
    after, _ = scrape()
    assert value(after, "outage_processes", service="redis") == 0


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_shows_as_refusals_and_an_outage(tmp_path, auth_client):
    before, _ = scrape()
    unreachable = UnreachableDatabase(tmp_path)
    try:
        assert auth_client.get("/api/todos/").status_code == 503
        assert auth_client.get("/api/todos/").status_code == 503
        samples = {}
        # Scraped while the database is away: served, without the gauges read from it.
        response = Client().get("/metrics", **LOCAL)
        assert response.status_code == 200
        for family in text_string_to_metric_families(response.content.decode()):
            for sample in family.samples:
                samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
        assert not any(name.startswith("revocation_epoch") for name, _ in samples)
    finally:
        unreachable.restore()
    assert (
        value(samples, "database_refusals_total", cause="outage")
        == value(before, "database_refusals_total", cause="outage") + 2
    )
    assert value(samples, "outage_processes", service="database") == 1
    assert requests_of(samples, "/api/todos/", 503) == requests_of(before, "/api/todos/", 503) + 2
    assert auth_client.get("/api/todos/").status_code == 200  # the first statement that works ends it
    after, _ = scrape()
    assert value(after, "outage_processes", service="database") == 0


def test_unsettled_revocation_epochs_are_read_at_scrape_time(auth_client):
    samples, _ = scrape()
    assert value(samples, "revocation_epochs_unsettled") == 0
    assert value(samples, "revocation_epoch_oldest_unsettled_age_seconds") == 0
    call_command("revoke_sessions", "--all", stdout=io.StringIO())
    samples, _ = scrape()
    assert value(samples, "revocation_epochs_unsettled") == 1
    # Two hours on, prune_sessions has not run: the age says so. Then it runs and settles it.
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        samples, _ = scrape()
        assert value(samples, "revocation_epochs_unsettled") == 1
        assert 7190 <= value(samples, "revocation_epoch_oldest_unsettled_age_seconds") <= 7210
        call_command("prune_sessions", stdout=io.StringIO())
        samples, _ = scrape()
    assert value(samples, "revocation_epochs_unsettled") == 0
    assert value(samples, "revocation_epoch_oldest_unsettled_age_seconds") == 0
