"""Views and authentication that both sides of the benchmarks serve (bench.urls, bench.stock_urls)."""

import os

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from users.views import UserMeView

# The authenticated view measured: the caller's user. Beside the request itself, what it costs
# is mostly authentication (the setting of issue 17: "an authenticated endpoint returning the
# same user serializer").
VIEW_URL = "/api/users/me/"

_users = {}


class BenchUserHeaderAuthentication:
    """No authentication: the user named by ``X-Bench-User``, from a per-process dict."""

    def authenticate(self, request):
        user_id = request.META.get("HTTP_X_BENCH_USER")
        if not user_id:
            raise AuthenticationFailed("X-Bench-User is required.")
        user = _users.get(user_id)
        if user is None:
            user = _users[user_id] = User.objects.get(pk=user_id)
        return user, None

    def authenticate_header(self, request):
        return "Bench"


def twin(name, **attributes):
    """Return the measured view again, with other attributes (authentication)."""
    return type(name, (UserMeView,), attributes).as_view()


anon_view = twin(
    "AnonMeView", authentication_classes=[BenchUserHeaderAuthentication], permission_classes=[AllowAny]
)


class PidView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"pid": os.getpid()})


class HealthView(APIView):
    """What testing.servers.Gunicorn waits for before it says the server is up."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"status": "ok"})
