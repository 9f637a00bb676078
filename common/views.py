"""Error pages in the API's own shape, and the health check."""

import sys

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, JsonResponse
from django.views.defaults import page_not_found, server_error
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from common import failsafe, metrics
from common.exceptions import RETRY_AFTER_SECONDS, database_refused, is_database_unavailable
from common.middleware import service_unavailable_response
from common.net import client_ip


class HealthSerializer(serializers.Serializer):
    status = serializers.ChoiceField(["ok", "degraded", "unavailable"])
    database = serializers.ChoiceField(["ok", "unavailable"])
    redis = serializers.ChoiceField(["ok", "unavailable", "not_configured"])


def api_not_found(request, exception=None):
    """Return a JSON 404 under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def api_server_error(request):
    """Return a 503 for a database outage, a JSON 500 under /api/, Django's page elsewhere.

    Reached (with DEBUG off) only by errors that nothing nearer the view handled.
    """
    exc = sys.exc_info()[1]
    if exc is not None and is_database_unavailable(exc):
        database_refused(exc)
        return service_unavailable_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Internal server error.", "code": "server_error"}, status=500)
    return server_error(request)


def web_client_missing(request):
    """Explain how to build the web client, which WhiteNoise serves at / once built."""
    return HttpResponse(
        "<!doctype html><title>refresh-sessions</title>"
        "<p>The web client is not built. Install Node 20 and npm, then run <code>make run</code>.</p>"
        '<p>The API lives under <a href="/api/docs/">/api/</a>; the admin at <a href="/admin/">/admin/</a>.</p>',
        status=503,
    )


def database_status() -> str:
    """Return "ok" when the default database answers a query, else "unavailable"."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        if not is_database_unavailable(exc):
            raise
        database_refused(exc)  # a 503 to the load balancer: one more request refused
        return "unavailable"
    return "ok"


def redis_status() -> str:
    """Return "ok", "unavailable" (down, or the breaker still open) or "not_configured"."""
    if not settings.REDIS_URL:
        return "not_configured"
    answer = failsafe.call(failsafe.redis_client(settings.REDIS_URL).ping)
    return "ok" if answer is True else "unavailable"


class PublicView(APIView):
    """An endpoint for anyone, checking no credentials and counting no requests."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()


class HealthView(PublicView):
    """Tell a load balancer whether this process can serve: the database is required, Redis is not."""

    @extend_schema(
        summary="Health check",
        description="200 while the database answers (`degraded` while a configured Redis does not: "
        "everything still works, from the database); 503 with `Retry-After` while the database does not.",
        responses={200: HealthSerializer, 503: HealthSerializer},
    )
    def get(self, request):
        body = {"status": "ok", "database": database_status(), "redis": redis_status()}
        if body["database"] != "ok":
            body["status"] = "unavailable"
            return Response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        if body["redis"] == "unavailable":
            body["status"] = "degraded"
        return Response(body)


def metrics_view(request):
    """Serve this node's metrics (Prometheus' text format) to ``METRICS_ALLOWED_IPS``; 404 to anyone else.

    The client's IP is the one ``NUM_PROXIES`` decides (``common.net.client_ip``), so behind a
    load balancer a scraper must reach the node directly or be the address the proxies forward.
    Anyone else gets the 404 of a path that does not exist, whatever the method.
    """
    if not metrics.scrape_allowed(client_ip(request), settings.METRICS_ALLOWED_IPS):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        response = HttpResponse(status=405)
        response["Allow"] = "GET, HEAD"
        return response
    body, content_type = metrics.exposition(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
