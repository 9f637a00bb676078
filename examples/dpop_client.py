"""A non-browser DPoP client (a CLI, a mobile app's logic): log in bound to a key, call the API, refresh, log out.

    python examples/dpop_client.py http://127.0.0.1:8000 you@example.com 'your password'

It needs PyJWT and cryptography (both in requirements.txt) and nothing else: the standard
library speaks HTTP. The key is made once and kept in a file (mode 0600) beside the tokens'
storage; a mobile app would keep it in the platform keystore (Android Keystore, iOS Secure
Enclave) where it cannot be read out at all. See docs/dpop.md.
"""

import argparse
import base64
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm


def load_or_create_key(path: Path | None) -> ec.EllipticCurvePrivateKey:
    """Return the client's P-256 key, made once and kept in ``path`` (or kept in memory only)."""
    if path is not None and path.exists():
        return serialization.load_pem_private_key(path.read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    if path is not None:
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
    return key


class DPoPClient:
    """Talk to the API with tokens bound to ``key``: every request carries a fresh proof."""

    def __init__(self, base_url: str, key: ec.EllipticCurvePrivateKey):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.public_jwk = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)  # kty, crv, x, y only
        self.access: str | None = None
        self.refresh_token: str | None = None

    def proof(self, method: str, url: str, access: str | None = None) -> str:
        """Sign a proof for one request: method, URL without query, now, a new jti, and ``ath``."""
        parts = urllib.parse.urlsplit(url)
        claims = {
            "jti": str(uuid.uuid4()),
            "htm": method,
            "htu": urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
            "iat": int(time.time()),
        }
        if access is not None:
            digest = hashlib.sha256(access.encode("ascii")).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
        return jwt.encode(
            claims, self.key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self.public_jwk}
        )

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None, *, ath=False):
        """Send one request with a proof (and ``DPoP <token>``); return (status, JSON body or None)."""
        url = self.base_url + path
        headers = {"Accept": "application/json", "DPoP": self.proof(method, url, token if ath else None)}
        if token is not None:
            headers["Authorization"] = f"DPoP {token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310 - http(s) only
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        return status, (json.loads(raw) if raw else None)

    def login(self, email: str, password: str) -> dict:
        status, body = self.call("POST", "/api/auth/login/", {"email": email, "password": password})
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        assert body["token_type"] == "DPoP", "the server did not bind the session"
        self.access, self.refresh_token = body["access"], body["refresh"]
        return body

    def get(self, path: str):
        """GET a resource; on 401 refresh once and retry, as a long-running client would."""
        status, body = self.call("GET", path, token=self.access, ath=True)
        if status == 401:
            self.refresh()
            status, body = self.call("GET", path, token=self.access, ath=True)
        return status, body

    def refresh(self) -> None:
        # A refresh proof has no ath: it goes with the refresh token, not an access token.
        status, body = self.call("POST", "/api/auth/refresh/", token=self.refresh_token)
        if status != 200:
            raise RuntimeError(f"refresh failed: {status} {body}")
        self.access, self.refresh_token = body["access"], body["refresh"]

    def logout(self) -> int:
        return self.call("POST", "/api/auth/logout/", token=self.refresh_token)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("email")
    parser.add_argument("password")
    parser.add_argument("--key-file", type=Path, help="where the private key is kept (default: memory only)")
    args = parser.parse_args(argv)

    client = DPoPClient(args.base_url, load_or_create_key(args.key_file))
    session = client.login(args.email, args.password)
    print(f"logged in: session {session['session']['id']}, token_type {session['token_type']}")
    status, todos = client.get("/api/todos/")
    print(f"GET /api/todos/ -> {status}, {todos['count']} todo(s)")
    client.refresh()
    print("refreshed: a new pair, still bound to this key")
    status, _ = client.get("/api/auth/sessions/")
    print(f"GET /api/auth/sessions/ -> {status}")
    # What a thief holding the tokens but not the key would get:
    thief = DPoPClient(args.base_url, ec.generate_private_key(ec.SECP256R1()))
    stolen_status, _ = thief.call("GET", "/api/todos/", token=client.access, ath=True)
    print(f"the same access token with another key -> {stolen_status}")
    print(f"logout -> {client.logout()}")
    return 0 if status == 200 and stolen_status == 401 else 1


if __name__ == "__main__":
    sys.exit(main())
