"""URLs of the benchmarks: the project's URLs plus stock SimpleJWT and baselines under /bench/.

* ``/bench/stock/token/``, ``/bench/stock/refresh/``: SimpleJWT's TokenObtainPairView and
  TokenRefreshView (rotation and blacklist after rotation, see bench.settings).
* ``/bench/stock/list/``: the project's view that ``BENCH_VIEW`` names (``/api/users/me/`` by
  default, or ``/api/todos/``) authenticated by stock ``JWTAuthentication`` with stock ``AccessToken``.
* ``/bench/anon/list/``: the same view with no token at all (the user comes from an
  in-process dict), to measure what authentication adds.
* ``/bench/floor/``: the floor of a refresh: an unauthenticated request plus one
  single-row UPDATE through the ORM.
* ``/bench/pid/``: the id of the worker process that answers.

Never installed outside the benchmarks (only ``bench.settings`` names this module).
"""

import os

from django.urls import path, resolve
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.models import DeviceSession, User
from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

# The authenticated view measured (BENCH_VIEW): the caller's user, whose cost beside the request
# itself is mostly authentication (the setting of issue 17), or a page of todos with its count.
VIEWS = {"me": "/api/users/me/", "todos": "/api/todos/"}


def _list_view():
    """Return the URL, view class and viewset actions of the view that BENCH_VIEW names."""
    url = VIEWS[os.environ.get("BENCH_VIEW", "me")]
    view = resolve(url, urlconf="config.urls").func
    return url, view.cls, getattr(view, "actions", None)  # a viewset has actions


LIST_URL, ListView, LIST_ACTIONS = _list_view()


def _twin(name, **attributes):
    """Return the list view again, with other attributes (authentication)."""
    cls = type(name, (ListView,), attributes)
    return cls.as_view(LIST_ACTIONS) if LIST_ACTIONS else cls.as_view()


class StockJWTAuthentication(JWTAuthentication):
    """Stock JWTAuthentication with stock AccessToken (the project's settings name its own class)."""

    def get_validated_token(self, raw_token):
        try:
            return AccessToken(raw_token)
        except TokenError as exc:
            raise InvalidToken({"detail": str(exc)}) from exc


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


stock_list_view = _twin("StockAuthListView", authentication_classes=[StockJWTAuthentication])
anon_list_view = _twin(
    "AnonListView", authentication_classes=[BenchUserHeaderAuthentication], permission_classes=[AllowAny]
)


class FloorView(APIView):
    """An unauthenticated request that updates one row through the ORM."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        updated = DeviceSession.objects.filter(pk=request.GET.get("sid")).update(last_used_at=timezone.now())
        return Response({"updated": updated})


class PidView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        return Response({"pid": os.getpid()})


urlpatterns = [
    path("bench/stock/token/", TokenObtainPairView.as_view()),
    path("bench/stock/refresh/", TokenRefreshView.as_view()),
    path("bench/stock/list/", stock_list_view),
    path("bench/anon/list/", anon_list_view),
    path("bench/floor/", FloorView.as_view()),
    path("bench/pid/", PidView.as_view()),
    *project_urlpatterns,
]
