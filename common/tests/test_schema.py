"""The OpenAPI schema covers every API endpoint, and the docs page needs no outside network."""

import re
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver

from common.tests.html import AssetParser

UNDOCUMENTED = {"/api/schema/", "/api/docs/"}  # the schema and its viewer describe the others

pytestmark = pytest.mark.django_db


def walk(patterns, prefix=""):
    """Yield (route, callback) for every URL pattern, routes joined as written in the urlconfs."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def normalize(route):
    """Return ``route`` as /a/{}/b/: Django's ``<int:pk>`` and OpenAPI's ``{id}`` both become ``{}``."""
    route = re.sub(r"<[^>]+>", "{}", route)
    route = re.sub(r"\{[^}]*\}", "{}", route)
    return "/" + route.lstrip("^").rstrip("$").lstrip("/")


def methods_of(callback):
    if getattr(callback, "actions", None):  # a viewset route
        return {method.upper() for method in callback.actions if method not in ("options", "head")}
    view_class = callback.view_class
    return {
        method.upper()
        for method in view_class.http_method_names
        if method not in ("options", "head") and hasattr(view_class, method)
    }


def api_routes():
    routes = {}
    for route, callback in walk(get_resolver().url_patterns):
        path = normalize(route)
        if path.startswith(("/api/", "/.well-known/")) and path not in UNDOCUMENTED:
            routes.setdefault(path, set()).update(methods_of(callback))
    return routes


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def schema_operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "patch", "post", "delete"):
                yield path, method.upper(), operation


def test_schema_has_every_api_path_and_method(schema):
    documented = {}
    for path, method, _operation in schema_operations(schema):
        documented.setdefault(normalize(path), set()).add(method)

    routes = api_routes()
    assert len(routes) >= 12
    assert documented == routes


def test_every_operation_has_responses_and_a_security_requirement(schema):
    for path, method, operation in schema_operations(schema):
        assert any(code.startswith("2") for code in operation["responses"]), (method, path)
        assert "security" in operation, (method, path)


def test_protected_operations_use_the_bearer_scheme_and_document_401(schema):
    public = {
        ("/api/auth/register/", "POST"),
        ("/api/auth/login/", "POST"),
        ("/api/auth/passkeys/login/options/", "POST"),
        ("/api/auth/passkeys/login/", "POST"),
        ("/api/auth/password/reset/", "POST"),
        ("/api/auth/password/reset/confirm/", "POST"),
        ("/api/health/", "GET"),
        ("/.well-known/jwks.json", "GET"),
    }
    for path, method, operation in schema_operations(schema):
        if (path, method) in public:
            assert {} in operation["security"], (method, path)
            continue
        assert {} not in operation["security"], (method, path)
        assert "401" in operation["responses"], (method, path)


def test_security_schemes(schema):
    schemes = schema["components"]["securitySchemes"]
    # Named for the token that goes in each of Swagger UI's boxes.
    assert list(schemes) == ["accessToken", "refreshToken", "dpopProof"]  # the Authorize dialog's order
    assert schemes["accessToken"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["accessToken"]["description"],
    }
    assert schemes["refreshToken"]["scheme"] == "bearer"
    # DPoP: one API key in the DPoP header, described as not usable from Swagger UI.
    assert schemes["dpopProof"] == {**schemes["dpopProof"], "type": "apiKey", "in": "header", "name": "DPoP"}
    dpop = {"dpopProof": []}
    refresh = schema["paths"]["/api/auth/refresh/"]["post"]
    assert refresh["security"] == [{"refreshToken": []}, dpop]
    assert "Authorization: Bearer <refresh>" in refresh["description"]
    assert "requestBody" not in refresh
    logout = schema["paths"]["/api/auth/logout/"]["post"]
    assert logout["security"] == [{"accessToken": []}, {"refreshToken": []}, dpop]
    assert schema["paths"]["/api/todos/"]["get"]["security"] == [{"accessToken": []}, dpop]
    for path in ("/api/auth/login/", "/api/auth/register/", "/api/auth/password/change/"):
        parameters = schema["paths"][path]["post"].get("parameters", [])
        assert {"in": "header", "name": "DPoP"}.items() <= next(
            p for p in parameters if p["name"] == "DPoP"
        ).items()


def test_request_and_response_bodies(schema):
    def ref(response):
        return response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]

    paths = schema["paths"]
    assert ref(paths["/api/auth/login/"]["post"]["requestBody"]) == "LoginRequest"
    assert ref(paths["/api/auth/login/"]["post"]["responses"]["200"]) == "TokenResponse"
    assert ref(paths["/api/auth/register/"]["post"]["responses"]["201"]) == "TokenResponse"
    assert ref(paths["/api/auth/refresh/"]["post"]["responses"]["200"]) == "TokenPair"
    assert ref(paths["/api/auth/password/change/"]["post"]["requestBody"]) == "PasswordChangeRequest"
    assert ref(paths["/api/auth/sessions/"]["get"]["responses"]["200"]) == "PaginatedDeviceSessionList"
    assert ref(paths["/api/todos/"]["get"]["responses"]["200"]) == "PaginatedTodoList"
    assert ref(paths["/api/todos/"]["post"]["requestBody"]) == "TodoRequest"
    assert ref(paths["/api/users/me/"]["patch"]["requestBody"]) == "PatchedUserProfileUpdateRequest"
    assert ref(paths["/api/todos/{id}/"]["get"]["responses"]["404"]) == "Error"
    assert ref(paths["/api/todos/"]["post"]["responses"]["400"]) == "ValidationError"
    assert "503" in paths["/api/health/"]["get"]["responses"]
    # Account protection.
    assert ref(paths["/api/auth/login/"]["post"]["responses"]["409"]) == "Error"
    assert "409" not in paths["/api/auth/register/"]["post"]["responses"]  # a new user has no session yet
    assert {"204", "401"} <= set(paths["/api/auth/logout-others/"]["post"]["responses"])
    rename = paths["/api/auth/sessions/{id}/"]["patch"]["requestBody"]
    assert rename["required"] is True
    assert schema["components"]["schemas"][ref(rename)]["required"] == ["device_name"]
    assert schema["components"]["schemas"][ref(rename)]["properties"]["device_name"]["maxLength"] == 100
    assert ref(paths["/api/auth/sessions/{id}/"]["patch"]["responses"]["200"]) == "DeviceSession"
    # Device names (API.md "Input that reaches people"): the rule is published where a body carries one.
    one_line = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+$"
    for body in ("RegisterRequest", "LoginRequest", "PasswordChangeRequest", "PatchedSessionRenameRequest"):
        field = schema["components"]["schemas"][body]["properties"]["device_name"]
        assert "bidirectional" in field["description"], body
        variants = field.get("oneOf", [field])  # with allow_blank: this or an empty string
        assert [v["pattern"] for v in variants if "pattern" in v] == [one_line], body
        assert [v["maxLength"] for v in variants] == ([100, 0] if "oneOf" in field else [100]), body
    assert {"400", "401", "404", "415"} <= set(paths["/api/auth/sessions/{id}/"]["patch"]["responses"])
    reset = paths["/api/auth/password/reset/"]["post"]
    assert ref(reset["requestBody"]) == "PasswordResetRequestRequest"
    assert ref(reset["responses"]["202"]) == "PasswordResetAccepted"
    assert {"400", "415", "429"} <= set(reset["responses"])
    confirm = paths["/api/auth/password/reset/confirm/"]["post"]
    assert ref(confirm["requestBody"]) == "PasswordResetConfirmRequest"
    assert {"204", "400", "415", "429"} <= set(confirm["responses"])

    components = schema["components"]["schemas"]
    assert set(components["Todo"]["properties"]) == {
        "id",
        "title",
        "description",
        "completed",
        "created_at",
        "updated_at",
    }
    assert "password" not in components["TokenResponse"]["properties"]
    assert set(components["PatchedUserProfileUpdateRequest"]["properties"]) == {"first_name", "last_name"}


def test_todo_list_parameters(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/todos/"]["get"]["parameters"]}
    assert set(parameters) == {"completed", "search", "ordering", "page", "page_size"}
    assert parameters["completed"]["schema"]["type"] == "boolean"


def test_spectacular_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "openapi: 3" in out.read_text()


def test_schema_endpoint_serves_yaml_and_json(api_client):
    response = api_client.get("/api/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")

    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/todos/" in response.json()["paths"]


# --- The docs page ----------------------------------------------------------------------------------


def test_docs_page_loads_only_same_origin_assets_that_exist(static_client):
    response = static_client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    parser = AssetParser()
    parser.feed(response.content.decode())
    assert len(parser.urls) >= 4  # CSS, favicon, the bundle, the preset, the init script
    assert parser.inline_scripts == 0
    assert parser.styles == 0
    for url in parser.urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, url  # relative: same origin
        assert url.startswith("/"), url
        asset = static_client.get(url)
        assert asset.status_code == 200, url
        assert asset.get("Content-Security-Policy"), url
    assert any("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in url for url in parser.urls)


def test_docs_init_script_is_javascript_and_points_at_the_schema(api_client):
    response = api_client.get("/api/docs/", {"script": ""})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert '"/api/schema/"' in response.content.decode()


def test_docs_page_csp_has_no_unsafe_source(api_client):
    csp = api_client.get("/api/docs/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe" not in csp


@pytest.mark.parametrize("method", ["options", "post", "trace"])
def test_docs_page_answers_other_methods_with_405(api_client, method):
    assert getattr(api_client, method)("/api/docs/").status_code == 405


# --- Readable in a browser, and plain for client generators -----------------------------------------

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def test_schema_is_shown_in_a_browser_not_downloaded(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert not response.get("Content-Disposition", "").startswith("attachment")
    assert yaml.safe_load(response.content)["openapi"].startswith("3.")


def test_schema_format_json_is_application_json(api_client):
    response = api_client.get("/api/schema/?format=json", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "/api/todos/" in response.json()["paths"]


def test_tools_still_get_the_openapi_media_types(api_client):
    assert api_client.get("/api/schema/")["Content-Type"].startswith("application/vnd.oai.openapi")
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")


def test_every_users_endpoint_has_a_summary(schema):
    for path, method, operation in schema_operations(schema):
        if path.startswith("/api/users/"):
            assert operation.get("summary"), (method, path)


def test_login_description_documents_the_endpoint(schema):
    description = schema["paths"]["/api/auth/login/"]["post"]["description"]
    assert "same 401" in description
    assert "authenticates by its own means" not in description  # a base class's docstring
    assert "by its own means" not in schema["paths"]["/api/auth/register/"]["post"].get("description", "")


def test_refresh_documents_only_the_400_it_sends(schema, api_client):
    operation = schema["paths"]["/api/auth/refresh/"]["post"]
    body = operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/Error")  # {detail, code}, never {field: [messages]}
    # ...and the server does send it that way: a malformed JSON body.
    response = api_client.post(
        "/api/auth/refresh/", "{nope", content_type="application/json", HTTP_AUTHORIZATION="Bearer x"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "code"}


def test_request_components_carry_no_default(schema):
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request"):
            for prop_name, prop in component.get("properties", {}).items():
                assert "default" not in prop, (name, prop_name)
    completed = schema["components"]["schemas"]["TodoRequest"]["properties"]["completed"]
    assert "Left out: `false`." in completed["description"]


def test_swagger_ui_can_draw_every_security_scheme(schema):
    """Swagger UI's Authorize dialog draws an http scheme only when it is basic or bearer.

    Any other (DPoP, say) shows "HTTP authentication: unsupported scheme" in place of a box.
    """
    for name, scheme in schema["components"]["securitySchemes"].items():
        if scheme["type"] == "http":
            assert scheme["scheme"].lower() in {"basic", "bearer"}, name


def test_security_schemes_say_which_token_goes_where(schema):
    schemes = schema["components"]["securitySchemes"]
    access = schemes["accessToken"]["description"]
    assert "`access` value" in access and "Authorization: Bearer <access>" in access
    assert "Not the `refresh` value" in access
    refresh = schemes["refreshToken"]["description"]
    assert "Only for `POST /api/auth/refresh/` and `POST /api/auth/logout/`" in refresh
    assert "`refresh` value" in refresh and "Authorization: Bearer <refresh>" in refresh
    dpop = schemes["dpopProof"]["description"]
    assert dpop.startswith("**Not usable from this page: leave it empty.**")
    assert "Authorization: DPoP <token>" in dpop and "with every request, a new proof" in dpop


def test_swagger_page_loads_the_schema_with_the_schemes(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert list(schema["components"]["securitySchemes"]) == ["accessToken", "refreshToken", "dpopProof"]
