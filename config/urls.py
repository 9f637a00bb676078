"""URL configuration: the API under /api/, the admin under /admin/."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import HealthView
from common.views import api_not_found, web_client_missing

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    # Reached only while frontend/dist has no index.html (WhiteNoise serves it otherwise).
    path("", web_client_missing, name="web-client"),
]

handler404 = api_not_found
