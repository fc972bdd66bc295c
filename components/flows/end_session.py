"""An app asks to sign its user out here too (OpenID Connect RP-Initiated Logout 1.0).

The app names itself by the ID token it was given (`id_token_hint`) or its
`client_id`, and may ask to be sent back to a `post_logout_redirect_uri` it
registered: any other address gets our own page, never a redirect. A hint
that names the signed-in account signs the browser out at once; without one
(a link anyone could send) the visitor is asked first.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from components.oidc.requests import NotForUs
from components.services import Services
from components.storage.clients import Client
from components.storage.users import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LogoutRequest:
    client: Client | None
    subject: str | None  # whose ID token the hint was
    redirect_uri: str | None  # registered for `client`
    state: str | None


async def read_logout(services: Services, params: Mapping[str, str], issuer: str) -> LogoutRequest | NotForUs:
    hint = params.get("id_token_hint")
    claims = await services.keys.verified_claims(hint) if hint else None
    if hint and (claims is None or claims.get("iss") != issuer):
        return NotForUs("the id_token_hint is not an ID token issued here")
    audience = claims.get("aud") if claims else None
    client_id = params.get("client_id") or audience
    if audience is not None and client_id != audience:
        return NotForUs("the client_id is not the one the id_token_hint was issued to")
    client = await services.clients.get(str(client_id)) if client_id else None
    redirect_uri = params.get("post_logout_redirect_uri")
    if redirect_uri and (client is None or redirect_uri not in client.post_logout_redirect_uris):
        return NotForUs("the address to send you back to is not one registered for this app")
    subject = claims.get("sub") if claims else None
    return LogoutRequest(client, str(subject) if subject else None, redirect_uri, params.get("state"))


async def asked_by_owner(services: Services, request: LogoutRequest, user: User) -> bool:
    """The hint is this account's own: the app knows who is signed in, so no one need be asked."""
    if request.subject is None:
        return False
    holder = await services.users.with_subject(user.id)
    return holder is not None and holder[1] == request.subject
