"""DPoP proofs for tests: a client key that signs proofs, any header or claim overridable."""

import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from accounts.jwk import b64url_sha256, thumbprint
from accounts.tests.factories import PASSWORD

BASE = "http://testserver"
LOGIN = "/api/auth/login/"
DROP = object()  # as an override: leave the member out


class ClientKey:
    """A client's key (P-256 by default, as the web client's WebCrypto key)."""

    def __init__(self, private_key=None, algorithm="ES256"):
        self.private_key = private_key or ec.generate_private_key(ec.SECP256R1())
        self.algorithm = algorithm

    @property
    def public_jwk(self) -> dict:
        return jwt.get_algorithm_by_name(self.algorithm).to_jwk(self.private_key.public_key(), as_dict=True)

    @property
    def jkt(self) -> str:
        return thumbprint(self.public_jwk)

    def proof(self, method, url, *, access=None, header=None, claims=None, key=None, algorithm=None) -> str:
        """Return a proof for ``method`` on ``url`` (path: under BASE); ``access`` adds ``ath``."""
        payload = {
            "jti": str(uuid.uuid4()),
            "htm": method,
            "htu": url if "://" in url else BASE + url,
            "iat": int(time.time()),
        }
        if access is not None:
            payload["ath"] = b64url_sha256(access)
        headers = {"typ": "dpop+jwt", "jwk": self.public_jwk}
        for target, overrides in ((payload, claims), (headers, header)):
            for name, value in (overrides or {}).items():
                if value is DROP:
                    target.pop(name, None)
                else:
                    target[name] = value
        return jwt.encode(
            payload, key or self.private_key, algorithm=algorithm or self.algorithm, headers=headers
        )

    def headers(self, method, url, token=None, *, access=True, **overrides) -> dict:
        """Return Django test client headers: ``DPoP <token>`` (if given) and a proof."""
        result = {
            "HTTP_DPOP": self.proof(method, url, access=token if access and token else None, **overrides)
        }
        if token is not None:
            result["HTTP_AUTHORIZATION"] = f"DPoP {token}"
        return result


def login_bound(client, user, key):
    """Log ``user`` in with a proof of ``key``, so that the session is bound to it; return the token response."""
    response = client.post(
        LOGIN, {"email": user.email, "password": PASSWORD}, format="json", HTTP_DPOP=key.proof("POST", LOGIN)
    )
    assert response.status_code == 200, response.content
    return response.json()
