from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared code; an app so that its templates, static files and schema extensions load."""

    name = "common"

    def ready(self):
        # Registers the OpenAPI authentication extension and the deploy checks.
        from common import checks, openapi  # noqa: F401
