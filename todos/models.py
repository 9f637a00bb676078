"""A todo item, owned by one user."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000


class Todo(models.Model):
    # No index of its own: each composite index below starts with the owner and serves it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="todos", db_index=False
    )
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    # A TextField's max_length is enforced by forms and serializers, not the database.
    description = models.TextField(blank=True, max_length=DESCRIPTION_MAX_LENGTH)
    completed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # Every read is scoped to one owner. The id breaks ties between equal
            # timestamps and titles, so that pages never overlap or skip rows.
            models.Index(fields=["owner", "-created_at", "-id"], name="todo_owner_created_idx"),
            models.Index(
                fields=["owner", "completed", "-created_at", "-id"], name="todo_owner_completed_idx"
            ),
            models.Index(fields=["owner", "title", "id"], name="todo_owner_title_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="todo_title_not_blank"),
        ]

    def __str__(self):
        return self.title
