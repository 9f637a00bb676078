"""URL configuration: the API under /api/, the admin under /admin/."""

from django.contrib import admin
from django.urls import include, path

from common.docs import SchemaView, SwaggerView
from common.views import HealthView, api_not_found, metrics_view, web_client_missing

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/", include("accounts.urls")),
    path("api/health/", HealthView.as_view(), name="health"),
    path("api/users/", include("users.urls")),
    path("api/todos/", include("todos.urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include("accounts.keys.urls")),
    # Prometheus' scrape (common/metrics.py), for METRICS_ALLOWED_IPS only.
    path("metrics", metrics_view, name="metrics"),
    path("", include("accounts.credentials.urls")),
    # Reached only while frontend/dist has no index.html (WhiteNoise serves it otherwise).
    path("", web_client_missing, name="web-client"),
]

handler404 = api_not_found
handler500 = "common.views.api_server_error"
