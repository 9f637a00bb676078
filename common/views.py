"""Error pages in the API's own shape."""

from django.http import HttpResponse, JsonResponse
from django.views.defaults import page_not_found


def api_not_found(request, exception=None):
    """Return a JSON 404 under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)


def web_client_missing(request):
    """Explain how to build the web client, which WhiteNoise serves at / once built."""
    return HttpResponse(
        "<!doctype html><title>refresh-sessions</title>"
        "<p>The web client is not built. Install Node 20 and npm, then run <code>make run</code>.</p>"
        '<p>The API lives under <a href="/api/docs/">/api/</a>; the admin at <a href="/admin/">/admin/</a>.</p>',
        status=503,
    )
