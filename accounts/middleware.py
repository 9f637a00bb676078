"""Attribute the security events of API requests to the ``api`` source."""

from accounts.events import acting_as


class ApiSourceMiddleware:
    """Record events caused by a request under /api/ with source ``api`` (the user acts for themself)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        with acting_as(None, "api"):
            return self.get_response(request)
