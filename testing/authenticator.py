"""A software WebAuthn authenticator for tests: real "none" attestations and real ES256 assertions.

Built from fido2's data helpers (authenticator data, attestation object, client data, COSE
keys) and ``cryptography`` keys, so that the server's py_webauthn verifies exactly what a
browser would hand it, in the WebAuthn JSON forms (``credential.toJSON()``). Every knob a
test needs to make a response wrong (origin, rp id, flags, counter, user handle, challenge,
ceremony type) is a keyword argument; the defaults make a response the server must accept.
"""

import hashlib
import os
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import AttestationObject, AttestedCredentialData, AuthenticatorData, CollectedClientData

FLAG = AuthenticatorData.FLAG
VERIFIED = FLAG.UP | FLAG.UV
DEFAULT_ORIGIN = "http://localhost:8000"
DEFAULT_RP_ID = "localhost"
AAGUID = bytes.fromhex("6a5e1c3b0e6f4a1a9d2c7b8e5f4d3c21")


@dataclass
class SoftCredential:
    """One credential the authenticator holds: its key, its user and its counter."""

    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    @property
    def id(self) -> str:
        return websafe_encode(self.credential_id)


@dataclass
class SoftAuthenticator:
    """A platform authenticator that keeps discoverable ES256 credentials; ``counting=False`` keeps every counter at 0."""

    origin: str = DEFAULT_ORIGIN
    counting: bool = True
    credentials: list[SoftCredential] = field(default_factory=list)

    def create(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        flags: int = VERIFIED | FLAG.BE,
        challenge: str | None = None,
        type: str = "webauthn.create",
        credential_id: bytes | None = None,
    ) -> dict:
        """Return a RegistrationResponseJSON for ``options`` (the ``publicKey`` the server sent), keeping the new credential."""
        rp_id = rp_id or options["rp"]["id"]
        key = ec.generate_private_key(ec.SECP256R1())
        credential = SoftCredential(
            credential_id=credential_id or os.urandom(32),
            private_key=key,
            rp_id=rp_id,
            user_handle=websafe_decode(options["user"]["id"]),
        )
        attested = AttestedCredentialData.create(
            AAGUID, credential.credential_id, ES256.from_cryptography_key(key.public_key())
        )
        auth_data = AuthenticatorData.create(
            _rp_id_hash(rp_id), FLAG(flags | FLAG.AT), credential.sign_count, attested
        )
        client_data = CollectedClientData.create(
            type=type, challenge=challenge or options["challenge"], origin=origin or self.origin
        )
        self.credentials.append(credential)
        return _response_json(
            credential,
            clientDataJSON=client_data.b64,
            attestationObject=websafe_encode(AttestationObject.create("none", auth_data, {})),
            transports=["internal", "hybrid"],
        )

    def get(
        self,
        options: dict,
        *,
        credential: SoftCredential | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        flags: int = VERIFIED | FLAG.BE,
        sign_count: int | None = None,
        user_handle: bytes | str | None = "own",
        challenge: str | None = None,
        type: str = "webauthn.get",
    ) -> dict:
        """Return an AuthenticationResponseJSON for ``options``, signed by ``credential`` (the latest one by default).

        The counter goes up by one per assertion (``sign_count`` sets it as it is);
        ``user_handle=None`` leaves it out, bytes put those instead of the credential's.
        """
        credential = credential or self.credentials[-1]
        if sign_count is not None:
            credential.sign_count = sign_count
        elif self.counting:
            credential.sign_count += 1
        auth_data = AuthenticatorData.create(
            _rp_id_hash(rp_id or options.get("rpId") or credential.rp_id), FLAG(flags), credential.sign_count
        )
        client_data = CollectedClientData.create(
            type=type, challenge=challenge or options["challenge"], origin=origin or self.origin
        )
        signature = credential.private_key.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        handle = credential.user_handle if user_handle == "own" else user_handle
        return _response_json(
            credential,
            clientDataJSON=client_data.b64,
            authenticatorData=websafe_encode(auth_data),
            signature=websafe_encode(signature),
            **({"userHandle": websafe_encode(handle)} if handle is not None else {}),
        )


def _response_json(credential: SoftCredential, **response) -> dict:
    """Return a PublicKeyCredential of ``credential`` as ``toJSON()`` gives it, with ``response``."""
    return {
        "id": credential.id,
        "rawId": credential.id,
        "type": "public-key",
        "response": response,
        "authenticatorAttachment": "platform",
        "clientExtensionResults": {},
    }


def _rp_id_hash(rp_id: str) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest()
