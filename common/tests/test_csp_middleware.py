"""The cached CSP middleware sets exactly what django-csp would, and defers when it must."""

import pytest
from csp.middleware import CSPMiddleware as StockCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory

from common.middleware import CSPMiddleware

pytestmark = pytest.mark.django_db  # the root conftest clears the database cache


def respond(middleware_class, prepare=lambda request, response: None, path="/page/"):
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda request: HttpResponse("<p>hi</p>"))
    middleware.process_request(request)
    response = HttpResponse("<p>hi</p>")
    prepare(request, response)
    return middleware.process_response(request, response)


def test_plain_response_gets_the_same_header_as_django_csp():
    ours, stock = respond(CSPMiddleware), respond(StockCSPMiddleware)
    assert ours["Content-Security-Policy"] == stock["Content-Security-Policy"]
    assert "script-src 'self'" in ours["Content-Security-Policy"]


def test_a_changed_setting_is_picked_up(settings):
    respond(CSPMiddleware)  # fills the cache
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert respond(CSPMiddleware)["Content-Security-Policy"] == "default-src 'none'"


def test_a_view_update_goes_through_django_csp():
    def update(request, response):
        response._csp_update = {"img-src": ["https://images.example"]}

    header = respond(CSPMiddleware, update)["Content-Security-Policy"]
    assert "https://images.example" in header


def test_a_nonce_goes_through_django_csp(settings):
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    seen = {}

    def use_nonce(request, response):
        seen["nonce"] = str(request.csp_nonce)

    header = respond(CSPMiddleware, use_nonce)["Content-Security-Policy"]
    assert f"'nonce-{seen['nonce']}'" in header
    # Without a nonce asked for, the cached policy leaves the placeholder out, as django-csp does.
    assert (
        respond(CSPMiddleware)["Content-Security-Policy"]
        == respond(StockCSPMiddleware)["Content-Security-Policy"]
    )


def test_exempt_response_gets_no_header():
    def exempt(request, response):
        response._csp_exempt = True

    assert "Content-Security-Policy" not in respond(CSPMiddleware, exempt)


def test_excluded_prefix_gets_no_header(settings):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/excluded/"],
    }
    assert "Content-Security-Policy" not in respond(CSPMiddleware, path="/excluded/page/")
    assert "Content-Security-Policy" in respond(CSPMiddleware, path="/page/")
