"""OpenAPI schema generation: the error responses of every operation, and a post-processing hook
that keeps the schema plain for client generators (the token schemes are accounts/openapi.py's)."""

import json

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_doc
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny

BODY_METHODS = ("POST", "PUT", "PATCH")


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
    """Fill in the descriptions above, and move request defaults into prose.

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
