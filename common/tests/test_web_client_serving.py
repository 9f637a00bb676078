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


@pytest.mark.parametrize("path", ["/reset-password", "/reset-password/"])
def test_the_reset_link_lands_on_the_clients_reset_page_with_its_query(built_client, path):
    response = built_client.get(path, {"uid": "MQ", "token": "c4x-0a1b2c"})
    assert response.status_code == 302
    assert response["Location"] == "/#/reset-password?uid=MQ&token=c4x-0a1b2c"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The redirect's target serves the client.
    assert built_client.get(response["Location"].split("#")[0]).status_code == 200


def test_the_reset_link_redirect_is_fixed_whatever_the_query(built_client):
    response = built_client.get("/reset-password?next=https://evil.example/&uid=x")
    assert response["Location"] == "/#/reset-password?next=https://evil.example/&uid=x"
    assert response["Location"].startswith("/#")
