"""CORS, security headers, CSRF on the cookie-authenticated admin, and `check --deploy`."""

import os
import secrets
import string

import pytest
from django.conf import settings as django_settings
from django.test import Client

from common.tests.html import AssetParser
from testing.site import built_site, check_deploy
from todos.models import Todo

pytestmark = pytest.mark.django_db

ALLOWED_ORIGIN = "https://app.example.com"
CSP_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


@pytest.fixture
def cors_origins(settings):
    settings.CORS_ALLOWED_ORIGINS = [ALLOWED_ORIGIN]


# --- CORS -------------------------------------------------------------------------------------------


def preflight(client, origin, method="GET", headers="authorization, content-type"):
    return client.options(
        "/api/todos/",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS=headers,
    )


def test_preflight_from_an_allowed_origin_allows_the_authorization_header(api_client, cors_origins):
    response = preflight(api_client, ALLOWED_ORIGIN, method="POST")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    allowed_headers = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed_headers
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in response


def test_a_request_from_an_allowed_origin_gets_the_header(auth_client, cors_origins):
    response = auth_client.get("/api/todos/", HTTP_ORIGIN=ALLOWED_ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
    assert "Retry-After" in response["Access-Control-Expose-Headers"]
    assert "Date" in response["Access-Control-Expose-Headers"]  # the DPoP client corrects its clock by it


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "http://app.example.com",  # the scheme is part of the origin
        "https://app.example.com.evil.com",
        "null",
    ],
)
def test_an_origin_not_on_the_allowlist_gets_no_cors_header(api_client, auth_client, cors_origins, origin):
    assert "Access-Control-Allow-Origin" not in preflight(api_client, origin)
    assert "Access-Control-Allow-Origin" not in auth_client.get("/api/todos/", HTTP_ORIGIN=origin)


def test_the_default_allowlist_is_the_local_dev_server_never_a_wildcard(api_client):
    assert django_settings.CORS_ALLOWED_ORIGINS
    assert "*" not in django_settings.CORS_ALLOWED_ORIGINS
    assert not getattr(django_settings, "CORS_ALLOW_ALL_ORIGINS", False)
    assert not getattr(django_settings, "CORS_ALLOWED_ORIGIN_REGEXES", None)
    origin = django_settings.CORS_ALLOWED_ORIGINS[0]
    assert preflight(api_client, origin)["Access-Control-Allow-Origin"] == origin


def test_cors_is_limited_to_the_api(client, cors_origins):
    response = client.get("/admin/login/", HTTP_ORIGIN=ALLOWED_ORIGIN)
    assert "Access-Control-Allow-Origin" not in response


# --- Security headers ---------------------------------------------------------------------------------


def csp_directives(response):
    return {part.strip() for part in response["Content-Security-Policy"].split(";")}


@pytest.mark.parametrize(
    "url", ["/api/health/", "/api/todos/", "/admin/login/", "/api/docs/", "/api/nowhere/"]
)
def test_security_headers_on_every_response(client, url):
    response = client.get(url)

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert csp_directives(response) == CSP_DIRECTIVES


def test_static_files_served_by_whitenoise_get_the_csp(static_client):
    response = static_client.get("/static/admin/css/base.css")

    assert response.status_code == 200
    assert csp_directives(response) == CSP_DIRECTIVES
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_renders_under_the_csp_with_same_origin_scripts(static_client, superuser):
    static_client.force_login(superuser)
    for url in ("/admin/", "/admin/todos/todo/", "/admin/todos/todo/add/"):
        response = static_client.get(url)
        assert response.status_code == 200, url
        assert csp_directives(response) == CSP_DIRECTIVES
        parser = AssetParser()
        parser.feed(response.content.decode())
        assert parser.scripts, url
        # The CSP allows no inline script: every script is a file, and each one loads.
        assert parser.inline_scripts == 0, url
        for source in parser.scripts:
            assert source.startswith("/"), source
            assert static_client.get(source).status_code == 200, source


# --- CSRF -----------------------------------------------------------------------------------------------


def test_a_cookie_only_post_to_the_admin_without_the_csrf_token_is_refused(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    data = {"owner": superuser.pk, "title": "Forged", "description": "", "created_at_0": "", "completed": ""}

    response = client.post("/admin/todos/todo/add/", data, HTTP_ORIGIN="https://evil.example.com")

    assert response.status_code == 403
    assert not Todo.objects.exists()


def test_the_same_post_with_the_token_goes_through(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    client.get("/admin/todos/todo/add/")
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    response = client.post(
        "/admin/todos/todo/add/",
        {"owner": superuser.pk, "title": "Real", "description": "", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302, response.content[:2000]
    assert Todo.objects.get().title == "Real"


def test_the_api_ignores_the_session_cookie(superuser):
    # Only the Bearer header authenticates the API: a logged-in admin's cookie is no credential
    # there, so a cross-site request cannot ride on it (no CSRF exposure).
    client = Client()
    client.force_login(superuser)
    response = client.post("/api/todos/", {"title": "via cookie"}, content_type="application/json")

    assert response.status_code == 401
    assert not Todo.objects.exists()


def test_the_api_renders_json_only():
    assert django_settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"] == [
        "rest_framework.renderers.JSONRenderer"
    ]


# --- HTTPS settings ---------------------------------------------------------------------------------------


def test_ssl_redirect_spares_the_health_check(settings):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # SecurityMiddleware reads its settings when the client builds it

    assert client.get("/api/todos/").status_code == 301
    assert client.get("/api/health/").status_code == 200
    assert client.get("/api/todos/", secure=True).status_code == 401


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The web client and the static files in place: a production start without them is warned."""
    return built_site(tmp_path_factory.mktemp("site"))


@pytest.fixture
def production_env(site):
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(site)
    env.update(
        {
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
            "DJANGO_ALLOWED_HOSTS": "api.example.com",
            "CORS_ALLOWED_ORIGINS": "https://app.example.com",
            "PASSWORD_RESET_URL": "https://app.example.com/#/reset-password",
            "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
            "DEFAULT_FROM_EMAIL": "no-reply@example.com",
        }
    )
    return env


def test_check_deploy_reports_nothing_in_production(production_env):
    result = check_deploy(production_env, "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNINGS" not in output


def test_check_deploy_fails_on_the_development_mail_settings(production_env):
    env = production_env
    for name in ("PASSWORD_RESET_URL", "EMAIL_URL", "DEFAULT_FROM_EMAIL"):
        del env[name]
    result = check_deploy(env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for check in ("accounts.E003", "accounts.E005", "accounts.E006"):
        assert check in output


def test_production_refuses_the_development_secret_key(production_env):
    env = production_env
    del env["DJANGO_SECRET_KEY"]
    result = check_deploy(env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
