"""The /api/todos/ endpoints: the caller's own todos and nobody else's."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from common.filters import OrderingFilter, SearchFilter
from todos import selectors, services
from todos.filters import TodoFilter
from todos.models import Todo
from todos.serializers import TodoSerializer


@extend_schema_view(
    list=extend_schema(summary="List the caller's todos"),
    create=extend_schema(summary="Create a todo"),
    retrieve=extend_schema(summary="Get one of the caller's todos"),
    update=extend_schema(summary="Replace a todo"),
    partial_update=extend_schema(summary="Change some fields of a todo"),
    destroy=extend_schema(summary="Delete a todo"),
)
class TodoViewSet(viewsets.ModelViewSet):
    """CRUD on the caller's todos; another user's todo is 404, as if it did not exist."""

    serializer_class = TodoSerializer
    lookup_value_converter = "int"
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = TodoFilter
    search_fields = ["title"]
    ordering_fields = ["created_at", "title"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation has no user; it only needs the model.
            return Todo.objects.none()
        # Scoping the queryset (rather than checking a permission on the object) is
        # what makes someone else's todo a 404, never a 403 that confirms it exists.
        return selectors.todo_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.todo_create(owner=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.todo_update(todo=serializer.instance, data=serializer.validated_data)

    def perform_destroy(self, instance):
        services.todo_delete(todo=instance)
