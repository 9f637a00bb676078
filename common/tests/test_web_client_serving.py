"""The built web client at / gets the same headers as every other response."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def built_client(settings, tmp_path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/app.js"></script><div id="root"></div>'
    )
    (tmp_path / "assets" / "app.js").write_text("console.log('app')")
    settings.WHITENOISE_ROOT = tmp_path
    return Client()  # a new client loads the middleware, and WhiteNoise reads its root, anew


@pytest.mark.parametrize("path", ["/", "/assets/app.js"])
def test_web_client_is_served_with_the_security_headers(built_client, path):
    response = built_client.get(path, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Access-Control-Allow-Origin" not in response


def test_without_a_build_the_root_explains_how_to_get_one(settings, tmp_path):
    settings.WHITENOISE_ROOT = tmp_path / "missing"
    response = Client().get("/")
    assert response.status_code == 503
    assert b"make run" in response.content


RESET_TOKEN = "c4x-0a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.mark.parametrize("path", ["/reset-password", "/reset-password/", "/reset-password?lang=en"])
def test_a_reset_link_at_reset_password_goes_to_the_client_keeping_its_fragment(built_client, path):
    """A link ``/reset-password#uid=...&token=...``: the server sees neither, and names no fragment.

    A redirect whose Location has no fragment keeps the link's own (RFC 9110, 10.2.2), so the
    browser arrives at ``/#uid=...&token=...``, which the client moves to its reset page.
    """
    response = built_client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The redirect's target serves the client.
    assert built_client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"uid": "MQ", "token": RESET_TOKEN},
        {"token": RESET_TOKEN},
        {"uid": "MQ", "token": RESET_TOKEN, "next": "https://evil.example/"},
    ],
)
def test_an_old_style_link_with_its_secrets_in_the_query_lands_on_the_outdated_link_page(built_client, query):
    """Links mailed before the secrets moved into the fragment: the secrets are not passed on."""
    response = built_client.get("/reset-password", query)
    assert response.status_code == 302
    assert response["Location"] == "/#/reset-password?outdated"
    assert RESET_TOKEN not in str(response.headers) and RESET_TOKEN.encode() not in response.content
