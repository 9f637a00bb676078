from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared code; an app so that its templates, static files and schema extensions load."""

    name = "common"

    def ready(self):
        from common import openapi  # noqa: F401 - registers the OpenAPI authentication extension
