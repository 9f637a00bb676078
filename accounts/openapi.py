"""How the API's token schemes appear in the OpenAPI schema: access and refresh tokens, DPoP.

drf-spectacular finds ``SessionJWTScheme`` by its ``target_class`` once this module is imported
(the views import it for the names below, so it is by the time a schema is built);
``postprocess_schema`` (SPECTACULAR_SETTINGS' hooks) adds the refresh token's scheme.
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiParameter

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
# DPoP (accounts/dpop/): a session bound to a key sends `Authorization: DPoP <token>` and a new
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


def postprocess_schema(result, generator, request, public):
    """Add the refresh token's security scheme, and order the schemes as Swagger UI's Authorize dialog shows them."""
    # In the order of Swagger UI's Authorize dialog: the box most requests need first, DPoP's last.
    schemes = result.setdefault("components", {}).get("securitySchemes", {})
    schemes[REFRESH_SCHEME] = REFRESH_SCHEME_DEFINITION
    order = [ACCESS_SCHEME, REFRESH_SCHEME, *DPOP_SCHEME_DEFINITIONS]
    result["components"]["securitySchemes"] = dict(
        sorted(schemes.items(), key=lambda item: order.index(item[0]))
    )
    return result
