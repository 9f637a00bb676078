"""Writes to todos. Input is validated by the serializers before it gets here."""

from todos.models import Todo

UPDATABLE_FIELDS = ("title", "description", "completed")


def todo_create(*, owner, title, description="", completed=False):
    """Create a todo of ``owner`` and return it."""
    return Todo.objects.create(owner=owner, title=title, description=description, completed=completed)


def todo_update(*, todo, data):
    """Apply the fields of ``data`` among title, description and completed to ``todo``; return it."""
    fields = [name for name in UPDATABLE_FIELDS if name in data]
    for name in fields:
        setattr(todo, name, data[name])
    if fields:
        # updated_at is auto_now: saved only when it is named among update_fields.
        todo.save(update_fields=[*fields, "updated_at"])
    return todo


def todo_delete(*, todo):
    """Delete ``todo``."""
    todo.delete()
