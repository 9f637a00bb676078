"""OpenAPI schema generation: our Bearer scheme, the error responses of every operation, and a
post-processing hook that keeps the schema plain for client generators."""

import json

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_doc
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

# The names are the headings of Swagger UI's "Authorize" dialog: each says which token goes in it.
ACCESS_SCHEME = "accessToken"
# Added by postprocess_schema: no authentication class stands behind it, the refresh and logout
# views read the token themselves.
REFRESH_SCHEME = "refreshToken"
REFRESH_SCHEME_DEFINITION = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": "**Only for `POST /api/auth/refresh/` and `POST /api/auth/logout/`.** Paste the `refresh` "
    "value of a login's answer (without `Bearer `): it is sent as `Authorization: Bearer <refresh>`. "
    "Every other endpoint refuses it. Each refresh answers a new pair and this token stops working: "
    "sending it again revokes the session, so paste the new one here after every refresh.",
}
BODY_METHODS = ("POST", "PUT", "PATCH")
# DPoP (accounts/dpop.py): a session bound to a key sends `Authorization: DPoP <token>` and a new
# proof in the DPoP header with every request. One scheme, an API key in the DPoP header, says
# both: Swagger UI draws an http scheme other than basic or bearer as an error ("unsupported
# scheme"), and a proof cannot be typed in once for many requests anyway.
DPOP_SCHEME = "dpopProof"
DPOP_ALTERNATIVE = {DPOP_SCHEME: []}
DPOP_SCHEME_DEFINITIONS = {
    DPOP_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "DPoP",
        "description": "**Not usable from this page: leave it empty.** A session bound to a key (RFC 9449) "
        "sends `Authorization: DPoP <token>` and, with every request, a new proof in this header: a JWT "
        "with `typ: dpop+jwt`, an asymmetric `alg` (ES256...), the public `jwk`; claims `jti` (used once), "
        "`htm`, `htu`, `iat` (within 60 s) and, with an access token, `ath`. A failure is a 401 with "
        "`WWW-Authenticate: DPoP error=...`. Sessions opened here (no proof at login) are not bound: "
        "use accessToken.",
    },
}
DPOP_PROOF_PARAMETER = OpenApiParameter(
    name="DPoP",
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="A DPoP proof (RFC 9449) for this request: the new session is bound to its key, its "
    "tokens carry `cnf.jkt` and `token_type` is `DPoP`. An invalid proof gets 401.",
)


class SessionJWTScheme(SimpleJWTScheme):
    """Document ``SessionJWTAuthentication``: SimpleJWT's Bearer scheme for access tokens, or DPoP."""

    target_class = "accounts.authentication.SessionJWTAuthentication"
    name = [ACCESS_SCHEME, *DPOP_SCHEME_DEFINITIONS]

    def get_security_requirement(self, auto_schema):
        # Alternatives: a Bearer token, or a bound token with its proof (the DPoP scheme says both).
        return [{ACCESS_SCHEME: []}, DPOP_ALTERNATIVE]

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "**For every endpoint that needs a login.** Paste the `access` value of the answer of "
            "`POST /api/auth/login/` (or register, refresh, password change), without `Bearer `: it is "
            "sent as `Authorization: Bearer <access>`. It lives a few minutes (`expires_in`); then "
            "refresh, or log in again. Not the `refresh` value: that one goes in refreshToken."
        )
        return [definition, *DPOP_SCHEME_DEFINITIONS.values()]


class ErrorSerializer(serializers.Serializer):
    """Every error that is not about fields: 401, 403, 404, 405, 415, 429, 503.

    A 401 for a token whose session has ended also carries ``reason`` when the server knows
    it: ``logout``, ``logout_all``, ``session_deleted``, ``password_changed``, ``reuse_detected``,
    ``user_deactivated``, ``admin``, ``command`` or ``session_expired``.
    """

    detail = serializers.CharField()
    code = serializers.CharField(help_text="A stable machine-readable word, e.g. `token_not_valid`.")


VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "`{field: [messages]}`, with `non_field_errors` for the body as a whole; "
    "a body that is not JSON gets `{detail, code}`.",
    "additionalProperties": {},
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, with the error responses each operation can give.

    They follow from the view: 400 and 415 where a body is parsed or a filter validated,
    401 where a token is required, 404 for a path with an id or a paginated list (a page
    out of range), 429 where a throttle applies. An explicit ``@extend_schema`` response
    for the same code wins.
    """

    def get_description(self):
        """The operation's own description, else its view's own docstring.

        drf-spectacular falls back on a base class's docstring, which describes the code (the
        class a view inherits from), not the endpoint: a view without one has no description.
        """
        action_or_method = getattr(self.view, getattr(self.view, "action", self.method.lower()), None)
        action_doc = get_doc(action_or_method)
        if action_doc:
            return action_doc
        return (
            get_doc(self.view.__class__)
            if "__doc__" in vars(self.view.__class__) and self.view.__class__.__doc__
            else ""
        )

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "validated_whole", False):
            # drf-spectacular documents every PATCH body as partial (nothing required); a view
            # that validates this serializer whole requires what the serializer requires.
            properties = schema.get("properties", {})
            required = [
                name for name, field in serializer.fields.items() if field.required and name in properties
            ]
            if required:
                schema["required"] = sorted(required)
        if direction == "response":
            # DRF renders every readable field, defaults included: a client can count on each.
            properties = schema.get("properties", {})
            schema["required"] = sorted(
                name for name, prop in properties.items() if not prop.get("writeOnly")
            )
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in self._error_responses().items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return dict(sorted(responses.items()))

    def _error_responses(self):
        errors = {}
        has_body = self.method in BODY_METHODS
        if has_body and self.get_request_serializer() is None:
            # No fields to validate: the one 400 left is a body that is not valid JSON.
            errors["400"] = OpenApiResponse(ErrorSerializer, description="The body is not valid JSON.")
        elif has_body or self._has_validated_filters():
            errors["400"] = OpenApiResponse(self._validation_error_ref(), description="Invalid input.")
        if self._requires_token():
            errors["401"] = OpenApiResponse(
                ErrorSerializer, description="No valid access token (the response has `WWW-Authenticate`)."
            )
        if self._path_has_parameters() or (self.method == "GET" and self._is_list_view()):
            errors["404"] = OpenApiResponse(ErrorSerializer, description="Not found, or not yours.")
        if has_body:
            errors["415"] = OpenApiResponse(ErrorSerializer, description="The body is not JSON.")
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(
                ErrorSerializer, description="Too many attempts: see the `Retry-After` header."
            )
        return errors

    def _has_validated_filters(self):
        return (
            self.method == "GET"
            and bool(getattr(self.view, "filter_backends", None))
            and self._is_list_view()
        )

    def _requires_token(self):
        permissions = [type(permission) for permission in self.view.get_permissions()]
        return bool(self.view.get_authenticators()) and AllowAny not in permissions

    def _path_has_parameters(self):
        return "{" in self.path

    def _validation_error_ref(self):
        component = ResolvedComponent(
            name="ValidationError",
            type=ResolvedComponent.SCHEMA,
            object="ValidationError",
            schema=VALIDATION_ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref


# --- Post-processing ------------------------------------------------------------------------------

# Descriptions of operations whose view is shared code rather than a place for prose.
OPERATION_DESCRIPTIONS = {
    "auth_login_create": (
        "Exchange an email and password for a new session on this device: an access token for "
        "the other endpoints and a refresh token for `/api/auth/refresh/`. Every login starts its "
        "own session, listed by `/api/auth/sessions/`; `device_name` names it there (derived from "
        "the User-Agent when left out).\n\n"
        "An unknown email and a wrong password get the same 401, so the answer never tells whether "
        "an account exists. Attempts are throttled per client IP (429 with `Retry-After`).\n\n"
        "When the account has `SESSION_MAX_PER_USER` live sessions already, the least recently used "
        "are revoked (`SESSION_LIMIT_POLICY=evict_oldest`) or the login gets 409 `session_limit` (`deny`)."
    ),
    "auth_register_create": (
        "Create an account and log it in on this device: the answer is the same as a login's. "
        "The password must pass the server's password validators (400 with the reasons otherwise)."
    ),
}


def postprocess_schema(result, generator, request, public):
    """Fill in the descriptions above, add the refresh token's security scheme, and move request defaults into prose.

    A ``default`` on a request property makes some generators (openapi-typescript among them)
    type the field as always present unless told otherwise; the server applies the default, so
    the client may leave the field out, which the description now says.
    """
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            description = OPERATION_DESCRIPTIONS.get(operation.get("operationId"))
            if description and not operation.get("description"):
                operation["description"] = description
    # In the order of Swagger UI's Authorize dialog: the box most requests need first, DPoP's last.
    schemes = result.setdefault("components", {}).get("securitySchemes", {})
    schemes[REFRESH_SCHEME] = REFRESH_SCHEME_DEFINITION
    order = [ACCESS_SCHEME, REFRESH_SCHEME, *DPOP_SCHEME_DEFINITIONS]
    result["components"]["securitySchemes"] = dict(
        sorted(schemes.items(), key=lambda item: order.index(item[0]))
    )
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if not name.endswith("Request"):
            continue
        for prop in component.get("properties", {}).values():
            if "default" in prop:
                default = prop.pop("default")
                shown = json.dumps(default)
                prop["description"] = " ".join(
                    part for part in (prop.get("description", ""), f"Left out: `{shown}`.") if part
                )
    return result
