"""The API's documentation page."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is a separate same-origin file and whose page has no inline style.

    So the page works under the site's Content-Security-Policy (no 'unsafe-inline'), and
    its JS and CSS come from drf-spectacular-sidecar's static files: no outside network.
    """

    template_name = "common/swagger_ui.html"
    # DRF's OPTIONS answer has data but no template for the HTML renderer: a 500. A 405 it is.
    http_method_names = ["get", "head"]
