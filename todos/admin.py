from django.contrib import admin

from todos.models import Todo


@admin.register(Todo)
class TodoAdmin(admin.ModelAdmin):
    list_display = ["title", "owner", "completed", "created_at", "updated_at"]
    list_filter = ["completed"]
    search_fields = ["title", "owner__email"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
