"""Bodies built to break a parser get a 4xx in the API's shape, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

DEEP = "[" * 100_000


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    settings.AUTH_THROTTLE_RATE = "none"


@pytest.mark.parametrize(
    "url",
    [
        "/api/auth/login/",
        "/api/auth/register/",
        "/api/auth/password/reset/",
        "/api/auth/password/reset/confirm/",
    ],
)
def test_deep_nesting_is_400_on_public_endpoints(api_client, url):
    response = api_client.generic("POST", url, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("POST", "/api/todos/"),
        ("PATCH", "/api/users/me/"),
        ("POST", "/api/auth/password/change/"),
        ("POST", "/api/auth/logout-all/"),
        ("POST", "/api/auth/logout-others/"),
    ],
)
def test_deep_nesting_is_400_on_authenticated_endpoints(auth_client, method, url):
    response = auth_client.generic(method, url, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    # The caller's session is untouched by the bad request.
    assert auth_client.get("/api/auth/sessions/").status_code == 200


def test_body_past_the_upload_limit_is_413_json(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"email": "a@example.com", "password": "' + "x" * 2048 + '"}'
    response = api_client.generic("POST", "/api/auth/login/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large.", "code": "request_too_large"}


@pytest.mark.parametrize(
    "body", [b"\xff\xfe{", b'{"email": "a@example.com", "password": "x\x00"}', b"null", b"[]", b'"text"']
)
def test_odd_json_documents_are_400(api_client, body):
    response = api_client.generic("POST", "/api/auth/login/", body, content_type="application/json")
    assert response.status_code == 400
