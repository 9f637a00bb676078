"""Request validation and the representation of a todo."""

from rest_framework import serializers

from todos.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Todo


class TodoSerializer(serializers.ModelSerializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, default="")
    completed = serializers.BooleanField(default=False)

    class Meta:
        model = Todo
        fields = ["id", "title", "description", "completed", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
