"""Middleware: request metrics, the proxies' forwarded headers, django-csp's with its policy built once, and 503s for database outages."""

import http.client
import time
from functools import cache

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
from django.db import connection
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse

from common import metrics, outages
from common.exceptions import (
    RETRY_AFTER_SECONDS,
    ServiceUnavailable,
    database_refused,
    is_database_unavailable,
)
from common.net import forwarded_entry, trusted_proxies

FORWARDED_HOST, FORWARDED_PROTO = "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO"


class MetricsMiddleware:
    """Count every request and its duration, by method, route template and status (``common.metrics``).

    Outermost, so that the time covers every other middleware, and every answer is counted:
    WhiteNoise's files, redirects and the 503s of outages included.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.http_request(
            method=request.method,
            route=metrics.route_label(request, response),
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response


class TrustedProxyMiddleware:
    """Let ``X-Forwarded-Host`` and ``X-Forwarded-Proto`` say only what ``NUM_PROXIES`` trusts.

    With no trusted proxy both are removed before anything reads them. Behind proxies each is
    reduced to the entry the outermost trusted proxy wrote (``common.net.forwarded_entry``, the
    rule of the client's IP), which Django then reads (``USE_X_FORWARDED_HOST``,
    ``SECURE_PROXY_SSL_HEADER``); a forwarded host that Django's ``get_host()`` refuses (not in
    ``ALLOWED_HOSTS``, not a host at all) is removed too, so that the request's own host counts.
    Left alone, Django would refuse any list in ``X-Forwarded-Host`` and read the leftmost
    ``X-Forwarded-Proto``: the entry a client can write.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        proxies = trusted_proxies()
        for name in (FORWARDED_HOST, FORWARDED_PROTO):
            if name in meta:
                if proxies:
                    meta[name] = forwarded_entry(meta[name], proxies)
                else:
                    del meta[name]
        if FORWARDED_HOST in meta and settings.USE_X_FORWARDED_HOST:
            try:
                request.get_host()
            except DisallowedHost:
                del meta[FORWARDED_HOST]
        return self.get_response(request)


@cache
def settings_policy(report_only):
    """Return the header value of the policy in settings (empty when none is set)."""
    return build_policy(report_only=report_only)


@receiver(setting_changed)
def _forget_policy(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        settings_policy.cache_clear()


class CSPMiddleware(csp_middleware.CSPMiddleware):
    """Set the settings' policy from a cache; defer to django-csp for anything else.

    Building the header on every response cost more than the whole check of an access
    token's session (docs/benchmarks.md), though it only changes when a view customises it
    with django-csp's decorators or a template asks for a nonce: those go through django-csp.
    """

    _CUSTOMISED = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            hasattr(response, name) or hasattr(response, f"{name}_ro") for name in self._CUSTOMISED
        ):
            return super().process_response(request, response)
        debug_page = response.status_code in (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if debug_page and settings.DEBUG:
            return response  # as django-csp: Django's debug pages use inline styles
        for header, setting, report_only in (
            (HEADER, "CONTENT_SECURITY_POLICY", False),
            (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
        ):
            excluded = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            policy = settings_policy(report_only)
            if policy and header not in response and not request.path_info.startswith(tuple(excluded)):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error, not a no-op.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with ``Retry-After``, never a 500, to a request whose view meets a database outage.

    DRF views answer for themselves (``common.exceptions``); this catches the others (the admin,
    Django's own views). JSON under /api/, a plain page elsewhere.

    It also ends this process's database outage (``common.outages``): while one lasts, the first
    statement that works says the database is back. Outside an outage it costs one attribute read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not outages.database.active:
            return self.get_response(request)
        with connection.execute_wrapper(_ends_the_outage):
            return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ServiceUnavailable):  # e.g. no password-hashing slot (accounts.hashers)
            return service_unavailable_response(request, exception)
        if not is_database_unavailable(exception):
            return None
        database_refused(exception)
        return service_unavailable_response(request)


def _ends_the_outage(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    outages.database.ended()
    return result


def service_unavailable_response(request, exc: ServiceUnavailable | None = None):
    """Return the 503 of ``exc`` (by default a database outage), shaped for the path asked."""
    exc = exc or ServiceUnavailable()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": str(exc.detail), "code": exc.get_codes()}, status=503)
    else:
        response = HttpResponse(
            "<!doctype html><title>Service unavailable</title>"
            "<p>The service is temporarily unavailable. Please retry in a few seconds.</p>",
            status=503,
        )
    response["Retry-After"] = str(getattr(exc, "wait", None) or RETRY_AFTER_SECONDS)
    return response
