from rest_framework.routers import SimpleRouter

from todos.views import TodoViewSet

# Path converters, so that a non-integer id is a 404 from the resolver, never a query.
router = SimpleRouter(use_regex_path=False)
router.register("", TodoViewSet, basename="todo")

urlpatterns = router.urls
