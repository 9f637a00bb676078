"""Django's browser-session middleware, skipped for the API.

The API (``/api/``) authenticates every request with a token (DRF's authentication classes);
it never reads the session cookie, the session's user or flash messages. The admin and the pages
need all three. These classes are Django's own, run for every path but the API's, where they were
a measurable share of a refresh (docs/benchmarks.md). Django's checks accept them where they ask
for the originals (subclasses). CSRF stays Django's own middleware, on every path: ``check
--deploy`` asks for it by name, and DRF's views exempt themselves from it.
"""

from django.contrib.auth import middleware as auth
from django.contrib.messages import middleware as messages
from django.contrib.sessions import middleware as sessions

API_PREFIX = "/api/"


class PagesOnlyMixin:
    """Run the middleware for every request but those under ``/api/``."""

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(PagesOnlyMixin, sessions.SessionMiddleware):
    pass


class AuthenticationMiddleware(PagesOnlyMixin, auth.AuthenticationMiddleware):
    pass


class MessageMiddleware(PagesOnlyMixin, messages.MessageMiddleware):
    pass
