"""How the API's token schemes appear in the OpenAPI schema: Bearer access tokens, refresh tokens, DPoP.

drf-spectacular finds ``SessionJWTScheme`` by its ``target_class`` once this module is imported
(the views import it for the names below, so it is by the time a schema is built).
"""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import OpenApiParameter

ACCESS_SCHEME = "jwtAuth"
# Declared in SPECTACULAR_SETTINGS["APPEND_COMPONENTS"]: no authentication class stands behind it,
# the refresh and logout views read the token themselves.
REFRESH_SCHEME = "refreshTokenAuth"
# DPoP (accounts/dpop/): the token with the DPoP scheme, and the proof in its own header; a
# bound session needs both, which OpenAPI can only say as two schemes required together.
DPOP_SCHEME = "dpopAuth"
DPOP_PROOF_SCHEME = "dpopProof"
DPOP_ALTERNATIVE = {DPOP_SCHEME: [], DPOP_PROOF_SCHEME: []}
DPOP_SCHEME_DEFINITIONS = {
    DPOP_SCHEME: {
        "type": "http",
        "scheme": "DPoP",
        "description": "A token of a session bound to a key (RFC 9449): `Authorization: DPoP <token>`, "
        "always together with a `DPoP` proof header.",
    },
    DPOP_PROOF_SCHEME: {
        "type": "apiKey",
        "in": "header",
        "name": "DPoP",
        "description": "A DPoP proof (RFC 9449): a JWT with `typ: dpop+jwt`, an asymmetric `alg` (ES256...), "
        "the public `jwk`; claims `jti` (used once), `htm`, `htu`, `iat` (within 60 s) and, with an access "
        "token, `ath`. A failure is a 401 with `WWW-Authenticate: DPoP error=...`.",
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
    """Document ``SessionJWTAuthentication`` as SimpleJWT's Bearer scheme, for access tokens."""

    target_class = "accounts.authentication.SessionJWTAuthentication"
    name = [ACCESS_SCHEME, *DPOP_SCHEME_DEFINITIONS]

    def get_security_requirement(self, auto_schema):
        # Alternatives: a Bearer token, or a bound token with its proof.
        return [{ACCESS_SCHEME: []}, DPOP_ALTERNATIVE]

    def get_security_definition(self, auto_schema):
        definition = super().get_security_definition(auto_schema)
        definition["description"] = (
            "An access token from login, register, refresh or password change: "
            "`Authorization: Bearer <access>` (a session bound to a key: see dpopAuth)."
        )
        return [definition, *DPOP_SCHEME_DEFINITIONS.values()]
