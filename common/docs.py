"""The API's documentation: the schema and its Swagger UI page."""

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is a separate same-origin file and whose page has no inline style.

    So the page works under the site's Content-Security-Policy (no 'unsafe-inline'), and
    its JS and CSS come from drf-spectacular-sidecar's static files: no outside network.
    """

    template_name = "common/swagger_ui.html"
    # DRF's OPTIONS answer has data but no template for the HTML renderer: a 500. A 405 it is.
    http_method_names = ["get", "head"]


class ReadableYamlRenderer(OpenApiYamlRenderer):
    """The YAML schema as ``text/plain``, which a browser shows instead of downloading."""

    media_type = "text/plain"
    charset = "utf-8"
    format = "txt"


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, readable in a browser as well as by tools.

    Tools get what they ask for as before (YAML by default, JSON for an ``Accept`` naming it).
    A browser (``Accept`` with ``text/html``) gets the YAML as plain text, and ``?format=json``
    answers ``application/json``: both are shown in the tab, not saved as a download.
    """

    renderer_classes = [
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
        OpenApiJsonRenderer2,  # application/json: first of the two "json" formats, for ?format=json
        OpenApiJsonRenderer,
        ReadableYamlRenderer,
    ]

    def perform_content_negotiation(self, request, force=False):
        format_given = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if not format_given and "text/html" in request.headers.get("Accept", ""):
            renderer = ReadableYamlRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)
