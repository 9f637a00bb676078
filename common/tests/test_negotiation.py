"""The short-cut negotiation picks what DRF's own would, for every header, renderer set and format."""

import itertools

import pytest
from django.http import Http404
from drf_spectacular.renderers import OpenApiJsonRenderer, OpenApiYamlRenderer
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from common.negotiation import FastContentNegotiation

pytestmark = pytest.mark.django_db  # the suite clears the cache (a database table) around every test

RENDERER_SETS = [
    [JSONRenderer()],
    [JSONRenderer(), BrowsableAPIRenderer()],
    [OpenApiYamlRenderer(), OpenApiJsonRenderer()],
]
ACCEPTS = [
    None,
    "*/*",
    "application/json",
    "application/json; indent=4",
    "application/json, text/plain, */*",
    "text/html",
    "application/*",
    "application/xml",
    "application/vnd.oai.openapi",
    "application/vnd.oai.openapi+json",
    "",
]
QUERIES = ["", "format=json", "format=openapi-json", "format=yaml", "page=2"]


def outcome(negotiation, renderers, accept, query):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(APIRequestFactory().get(f"/x/?{query}" if query else "/x/", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers)
    except (NotAcceptable, Http404) as exc:
        return type(exc).__name__
    return type(renderer).__name__, media_type


@pytest.mark.parametrize(("renderers", "accept", "query"), itertools.product(RENDERER_SETS, ACCEPTS, QUERIES))
def test_same_choice_as_drf(renderers, accept, query):
    assert outcome(FastContentNegotiation(), renderers, accept, query) == outcome(
        DefaultContentNegotiation(), renderers, accept, query
    )


def test_the_api_is_configured_with_it(api_client):
    from rest_framework.settings import api_settings

    assert api_settings.DEFAULT_CONTENT_NEGOTIATION_CLASS is FastContentNegotiation
    # An Accept nothing here can give is still refused.
    assert api_client.get("/api/health/", HTTP_ACCEPT="text/html").status_code == 406
