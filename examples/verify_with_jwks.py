"""Another service trusting this server's access tokens, with PyJWT and the JWK Set alone.

    python examples/verify_with_jwks.py --jwks-url http://127.0.0.1:8000/.well-known/jwks.json \\
        [--issuer ISSUER] [--audience AUDIENCE] ACCESS_TOKEN

It prints the token's claims and exits 0 if the token verifies, or prints why not and exits 1.
It needs the server to sign with RS256, ES256 or EdDSA: with HS256 the JWK Set is empty, since
an HMAC secret that verifies tokens can also mint them and is never published.

What this service cannot know
-----------------------------
Revocation. The auth server refuses a revoked session's access token on the very next request
(logout, password change, reuse detection, an admin's action), because it checks the session
on every request. A service that verifies signatures from the JWK Set alone never asks, so it
keeps accepting that token until its ``exp``: up to ACCESS_TOKEN_LIFETIME_SECONDS (5 minutes
by default) after the revocation.

When that matters: when acting on a token up to 5 minutes after its user logged out, changed
their password or was locked out for a stolen token is unacceptable, e.g. payments, changes
to credentials, anything that cannot be undone. Such a service should call the auth server
(any authenticated endpoint, e.g. GET /api/users/me/) with the token instead, or the
deployment should shorten ACCESS_TOKEN_LIFETIME_SECONDS. For reads of the user's own data, a
few minutes of grace is usually acceptable: that is the trade that lets this service verify
tokens without a round trip.
"""

import argparse
import json
import sys
import time
import urllib.request
from typing import Any

import jwt

# The algorithms this verifier accepts at all; each key is used only with the one its JWK names.
ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
REQUIRED_CLAIMS = ["exp", "iat", "jti", "user_id", "sid", "token_type"]


def verify_access_token(
    token: str, jwk_set: dict[str, Any], *, issuer: str | None = None, audience: str | None = None
) -> dict[str, Any]:
    """Return the claims of ``token`` if a key of ``jwk_set`` verifies it as an access token.

    Raise ``jwt.InvalidTokenError`` otherwise. The key is chosen by the token's ``kid`` and
    the algorithm comes from the key, never from the token's header.
    """
    header = jwt.get_unverified_header(token)
    kid = header.get("kid")
    keys = [key for key in jwt.PyJWKSet.from_dict(jwk_set).keys if key.key_id == kid]
    if not keys or keys[0].algorithm_name not in ALGORITHMS:
        raise jwt.InvalidTokenError("no published key has this token's kid")
    key = keys[0]
    claims = jwt.decode(
        token,
        key,
        algorithms=[key.algorithm_name],
        issuer=issuer,
        audience=audience,
        options={"require": REQUIRED_CLAIMS + (["iss"] if issuer else []) + (["aud"] if audience else [])},
    )
    # Refresh tokens are signed by the same keys: only an access token grants access.
    if claims.get("token_type") != "access":
        raise jwt.InvalidTokenError("not an access token")
    return claims


class JWKSVerifier:
    """Verify access tokens against a JWK Set fetched from ``jwks_url`` and kept for ``max_age`` seconds.

    A token with a ``kid`` not in the kept set makes it fetch again (at most every
    ``min_refetch`` seconds, so that made-up kids cannot make it hammer the server):
    after a rotation the new key verifies at once.
    """

    def __init__(
        self,
        jwks_url: str,
        *,
        issuer: str | None = None,
        audience: str | None = None,
        max_age: float = 300,
        min_refetch: float = 10,
    ) -> None:
        self.jwks_url, self.issuer, self.audience = jwks_url, issuer, audience
        self.max_age, self.min_refetch = max_age, min_refetch
        self.jwk_set: dict[str, Any] = {"keys": []}
        self.fetched_at = float("-inf")

    def fetch(self) -> None:
        with urllib.request.urlopen(self.jwks_url, timeout=10) as response:  # noqa: S310 - an operator's URL
            self.jwk_set = json.load(response)
        self.fetched_at = time.monotonic()

    def verify(self, token: str) -> dict[str, Any]:
        """Return the claims of the access token ``token``; raise ``jwt.InvalidTokenError`` otherwise."""
        if time.monotonic() - self.fetched_at > self.max_age:
            self.fetch()
        try:
            return verify_access_token(token, self.jwk_set, issuer=self.issuer, audience=self.audience)
        except jwt.InvalidTokenError:
            known = {key.get("kid") for key in self.jwk_set.get("keys", [])}
            recent = time.monotonic() - self.fetched_at < self.min_refetch
            if recent or jwt.get_unverified_header(token).get("kid") in known:
                raise
        self.fetch()
        return verify_access_token(token, self.jwk_set, issuer=self.issuer, audience=self.audience)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("token", help="an access token from the auth server")
    parser.add_argument("--jwks-url", required=True, help="the auth server's /.well-known/jwks.json")
    parser.add_argument("--issuer", help="require this `iss` (the server's JWT_ISSUER)")
    parser.add_argument("--audience", help="require this `aud` (the server's JWT_AUDIENCE)")
    args = parser.parse_args(argv)
    verifier = JWKSVerifier(args.jwks_url, issuer=args.issuer, audience=args.audience)
    try:
        claims = verifier.verify(args.token)
    except jwt.InvalidTokenError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(claims, indent=1, sort_keys=True))
    print(
        "Verified by signature alone: a session revoked since this token was issued is not seen "
        "here until the token expires.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
