from django.urls import path
from rest_framework.routers import SimpleRouter

from users.views import UserMeView, UserViewSet

# Path converters, so that a non-integer id is a 404 from the resolver, never a query.
router = SimpleRouter(use_regex_path=False)
router.register("", UserViewSet, basename="user")

urlpatterns = [
    path("me/", UserMeView.as_view(), name="user-me"),
    *router.urls,
]
