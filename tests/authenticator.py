"""A software authenticator for HTTP-level passkey tests: it answers the options the app
makes as a browser and a platform authenticator would (WebAuthn Level 3: "none"
attestation, ES256, user present and verified), and can be told to misbehave (another
origin or RP ID, a counter that goes back). The browser tests use Chromium's own virtual
authenticator instead; this one reaches the refusals a real browser never sends."""

import base64
import hashlib
import json
import secrets
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, BE, BS, AT = 0x01, 0x04, 0x08, 0x10, 0x40


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Authenticator:
    def __init__(self, origin: str, rp_id: str, *, counts: bool = True, synced: bool = False):
        self.origin, self.rp_id = origin, rp_id
        self.counts, self.synced = counts, synced
        self.credentials: dict[bytes, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}  # id: key, user handle
        self.counter = 0

    def create(self, options: dict, *, origin: str | None = None, rp_id: str | None = None) -> str:
        """The answer to registration options (navigator.credentials.create), as JSON."""
        key, credential_id = ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16)
        self.credentials[credential_id] = (key, unb64(options["user"]["id"]))
        numbers = key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(credential_id)) + credential_id + cose
        data = self._data(rp_id, AT) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        response = {
            "clientDataJSON": b64(client_data),
            "attestationObject": b64(attestation),
            "transports": ["internal"],
        }
        return self._credential(credential_id, response)

    def get(
        self,
        options: dict,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        counter: int | None = None,
        credential_id: bytes | None = None,
    ) -> str:
        """The answer to authentication options (navigator.credentials.get), as JSON: the
        credential the options allow, or (discoverable) the last one made."""
        allowed = [unb64(item["id"]) for item in options.get("allowCredentials", [])]
        chosen = credential_id or next(c for c in reversed(self.credentials) if not allowed or c in allowed)
        key, handle = self.credentials[chosen]
        if counter is None and self.counts:
            self.counter += 1
        data = self._data(rp_id, 0, self.counter if counter is None else counter)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = key.sign(data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64(client_data),
            "authenticatorData": b64(data),
            "signature": b64(signature),
            "userHandle": b64(handle),
        }
        return self._credential(chosen, response)

    def _data(self, rp_id: str | None, flags: int, counter: int | None = None) -> bytes:
        flags |= UP | UV | ((BE | BS) if self.synced else 0)
        count = self.counter if counter is None else counter
        return hashlib.sha256((rp_id or self.rp_id).encode()).digest() + bytes([flags]) + struct.pack(">I", count)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        asked = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(asked).encode()

    @staticmethod
    def _credential(credential_id: bytes, response: dict) -> str:
        answer = {"id": b64(credential_id), "rawId": b64(credential_id), "type": "public-key", "response": response}
        return json.dumps({**answer, "clientExtensionResults": {}, "authenticatorAttachment": "platform"})


def for_app(server, **kinds) -> Authenticator:
    """An authenticator for the app's own RP ID and origin."""
    rp_id, origins = server.app.state.services.settings.passkey_party
    return Authenticator(origins[0], rp_id, **kinds)


# What static/passkeys.js does, for a test's visitor (tests/support.py: Visitor).


def options(visitor, purpose: str):
    return visitor.client.post("/passkeys/options", data={"csrf_token": visitor.token, "purpose": purpose})


def add_passkey(visitor, authenticator: Authenticator, **answer):
    visitor.open("/account/passkeys")
    asked = options(visitor, "register")
    assert asked.status_code == 200, asked.text
    return visitor.post("/account/passkeys/add", {"credential": authenticator.create(asked.json(), **answer)})


def sign_in_with(visitor, authenticator: Authenticator, *, follow: bool = True, **answer):
    visitor.open("/signin")
    answer = authenticator.get(options(visitor, "signin").json(), **answer)
    return visitor.post("/signin/passkey", {"credential": answer}, follow=follow)
