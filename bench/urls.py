"""URLs of the benchmarks: the project's URLs plus stock SimpleJWT and baselines under /bench/.

* ``/bench/stock/token/``, ``/bench/stock/refresh/``: SimpleJWT's TokenObtainPairView and
  TokenRefreshView (rotation and blacklist after rotation, see bench.settings).
* ``/bench/stock/list/``: the measured view (``/api/users/me/``, bench.views) authenticated by
  stock ``JWTAuthentication`` with stock ``AccessToken``.
* ``/bench/anon/list/``: the same view with no token at all (the user comes from an
  in-process dict), to measure what authentication adds.
* ``/bench/floor/``: the floor of a refresh: an unauthenticated request plus one
  single-row UPDATE through the ORM.
* ``/bench/pid/``: the id of the worker process that answers.

In-process (bench/inprocess.py) both sides run here, with the project's settings; over gunicorn
the stock side is a server of its own (bench.stock_settings, bench.stock_urls). Never installed
outside the benchmarks (only ``bench.settings`` names this module).
"""

from django.urls import path
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts.models import DeviceSession
from bench.views import PidView, anon_view, twin
from config.urls import handler404  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


class StockJWTAuthentication(JWTAuthentication):
    """Stock JWTAuthentication with stock AccessToken (the project's settings name its own class)."""

    def get_validated_token(self, raw_token):
        try:
            return AccessToken(raw_token)
        except TokenError as exc:
            raise InvalidToken({"detail": str(exc)}) from exc


stock_list_view = twin("StockAuthMeView", authentication_classes=[StockJWTAuthentication])


class FloorView(APIView):
    """An unauthenticated request that updates one row through the ORM."""

    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get(self, request):
        updated = DeviceSession.objects.filter(pk=request.GET.get("sid")).update(last_used_at=timezone.now())
        return Response({"updated": updated})


urlpatterns = [
    path("bench/stock/token/", TokenObtainPairView.as_view()),
    path("bench/stock/refresh/", TokenRefreshView.as_view()),
    path("bench/stock/list/", stock_list_view),
    path("bench/anon/list/", anon_view),
    path("bench/floor/", FloorView.as_view()),
    path("bench/pid/", PidView.as_view()),
    *project_urlpatterns,
]
