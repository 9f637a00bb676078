"""Error pages in the API's own shape."""

from django.http import JsonResponse
from django.views.defaults import page_not_found


def api_not_found(request, exception=None):
    """Return a JSON 404 under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return page_not_found(request, exception)
