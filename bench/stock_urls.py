"""URLs of the stock side (bench.stock_settings): SimpleJWT's views and the measured view.

The paths are those of bench.urls, so that a client calls both sides alike.
"""

from django.urls import path
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from bench.views import HealthView, PidView, anon_view
from users.views import UserMeView

urlpatterns = [
    path("bench/stock/token/", TokenObtainPairView.as_view()),
    path("bench/stock/refresh/", TokenRefreshView.as_view()),
    # Authenticated by DRF's default class here: stock JWTAuthentication, stock AccessToken.
    path("bench/stock/list/", UserMeView.as_view()),
    path("bench/anon/list/", anon_view),
    path("bench/pid/", PidView.as_view()),
    path("api/health/", HealthView.as_view()),
]
