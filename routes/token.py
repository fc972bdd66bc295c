"""The token endpoint (RFC 6749 §3.2) and token revocation (RFC 7009): apps' own
servers (or browsers, for a public client) call them, never a visitor. Errors
are JSON (RFC 6749 §5.2); nothing answered may be cached."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.flows import tokens
from components.flows.tokens import TokenError
from components.oidc.client_auth import credentials_from
from components.storage.clients import Client
from components.web.cors import shared
from components.web.incoming import address_of, issuer_of, services_of

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token(request: Request) -> Response:
    """POST /token"""
    client, fields = await _authenticated(request)
    if isinstance(client, TokenError):
        return _error(client, request)
    answer = await tokens.grant(services_of(request), client, fields, issuer_of(request))
    if isinstance(answer, TokenError):
        return _error(answer, request)
    return shared(JSONResponse(answer, headers=NO_STORE))


async def revoke(request: Request) -> Response:
    """POST /revoke: 200 whether or not the token was known (RFC 7009 §2.2)."""
    client, fields = await _authenticated(request)
    if isinstance(client, TokenError):
        return _error(client, request)
    await tokens.revoke(services_of(request), client, fields.get("token", ""))
    return shared(Response(status_code=200, headers=NO_STORE))


async def _authenticated(request: Request) -> tuple[Client | TokenError, dict[str, str]]:
    """The form (each parameter once: RFC 6749 §3.2), and the app it proves."""
    form = await request.form()
    names = [name for name, _ in form.multi_items()]
    fields = {name: str(value) for name, value in form.items()}
    if len(names) != len(set(names)):
        return TokenError("invalid_request", "a parameter is given more than once"), fields
    credentials = credentials_from(request.headers.get("Authorization"), fields)
    return await tokens.client_for(services_of(request), credentials, address_of(request)), fields


def _error(error: TokenError, request: Request) -> Response:
    headers = dict(NO_STORE)
    if error.retry_after:
        headers["Retry-After"] = str(error.retry_after)
    if error.status == 401 and request.headers.get("Authorization", "").lower().startswith("basic"):
        headers["WWW-Authenticate"] = 'Basic realm="token", charset="UTF-8"'
    body = {"error": error.error, "error_description": error.description}
    return shared(JSONResponse(body, status_code=error.status, headers=headers))
