"""GET /.well-known/jwks.json: the public keys that verify this server's tokens (RFC 7517)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.app_settings import app_settings
from accounts.keys import keyring
from common.views import PublicView

_STRING = {"type": "string"}
# A raw schema, not a serializer: the members beyond the first four depend on the key type.
JWK_SET_SCHEMA = {
    "type": "object",
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "array",
            "description": "Empty when tokens are signed with an HMAC secret (HS256), never published.",
            "items": {
                "type": "object",
                "required": ["kty", "kid", "alg", "use"],
                "properties": {
                    "kty": {"type": "string", "enum": ["RSA", "EC", "OKP"]},
                    "kid": {"type": "string", "description": "RFC 7638 thumbprint; the `kid` of tokens."},
                    "alg": {"type": "string", "enum": ["RS256", "ES256", "EdDSA"]},
                    "use": {"type": "string", "enum": ["sig"]},
                    "n": _STRING,
                    "e": _STRING,
                    "crv": _STRING,
                    "x": _STRING,
                    "y": _STRING,
                },
            },
        }
    },
}


class JWKSView(PublicView):
    """Publish the active key and every fallback, for services that verify access tokens."""

    @extend_schema(
        summary="JSON Web Key Set of the token-signing keys",
        description="The public keys (active and fallbacks) that verify this server's tokens, each "
        "named by the `kid` of the tokens it signed. Cacheable for `JWKS_MAX_AGE_SECONDS`; a verifier "
        "that meets an unknown `kid` should fetch the set again before refusing the token.",
        operation_id="jwks_retrieve",
        responses={200: OpenApiResponse(JWK_SET_SCHEMA, description="RFC 7517 JWK Set")},
        tags=["keys"],
    )
    def get(self, request: Request) -> Response:
        return Response(
            keyring.current().jwks(),
            headers={"Cache-Control": f"public, max-age={app_settings.JWKS_MAX_AGE_SECONDS}"},
        )
