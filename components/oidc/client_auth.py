"""How an app proves itself at the token and revocation endpoints (RFC 6749 §2.3):
its secret in HTTP Basic or in the form, or, for a public client, its id alone
(its proof is then the PKCE verifier). One method a request: two are refused."""

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote_plus

from components.storage.clients import Client

Method = Literal["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str | None
    method: Method


def credentials_from(authorization: str | None, form: Mapping[str, str]) -> Credentials | None:
    """What the request offers as the app's proof; None when it is malformed, missing or double."""
    basic = _basic(authorization) if authorization else None
    if authorization and basic is None:
        return None
    if basic:
        if "client_secret" in form or form.get("client_id", basic.client_id) != basic.client_id:
            return None
        return basic
    client_id = form.get("client_id")
    if not client_id:
        return None
    secret = form.get("client_secret")
    return Credentials(client_id, secret, "client_secret_post" if secret is not None else "none")


def _basic(authorization: str) -> Credentials | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id:
        return None
    # Each part is form-encoded before it is joined (RFC 6749 §2.3.1).
    return Credentials(unquote_plus(client_id), unquote_plus(secret), "client_secret_basic")


def proves(client: Client, credentials: Credentials) -> bool:
    """The credentials are this client's: its secret, or (public) no secret at all."""
    if client.public:
        return credentials.method == "none"
    return credentials.secret is not None and client.secret_matches(credentials.secret)
