"""Reads about todos: every one of them is scoped to the owner."""

from todos.models import Todo


def todo_list(*, user):
    """Return the user's todos, newest first."""
    return Todo.objects.filter(owner=user).order_by("-created_at", "-id")
