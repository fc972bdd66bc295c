"""The token endpoint (RFC 6749 §3.2) and token revocation (RFC 7009): apps' own
servers (or browsers, for a public client) call them, never a visitor. Errors
are JSON (RFC 6749 §5.2); nothing answered may be cached."""

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.flows import tokens
from components.flows.tokens import TokenError
from components.oidc.client_auth import credentials_from
from components.web.cors import shared
from components.web.incoming import issuer_of, services_of

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


async def token(request: Request) -> Response:
    """POST /token"""
    form = await request.form()
    if _repeated(form):
        return _error(TokenError("invalid_request", "a parameter is given more than once"), request)
    services = services_of(request)
    fields = {name: str(value) for name, value in form.items()}
    client = await tokens.client_for(services, credentials_from(request.headers.get("Authorization"), fields))
    if isinstance(client, TokenError):
        return _error(client, request)
    answer = await tokens.grant(services, client, fields, issuer_of(request))
    if isinstance(answer, TokenError):
        return _error(answer, request)
    return shared(JSONResponse(answer, headers=NO_STORE))


async def revoke(request: Request) -> Response:
    """POST /revoke: 200 whether or not the token was known (RFC 7009 §2.2)."""
    form = await request.form()
    services = services_of(request)
    fields = {name: str(value) for name, value in form.items()}
    client = await tokens.client_for(services, credentials_from(request.headers.get("Authorization"), fields))
    if isinstance(client, TokenError):
        return _error(client, request)
    await tokens.revoke(services, client, fields.get("token", ""))
    return shared(Response(status_code=200, headers=NO_STORE))


def _repeated(form: FormData) -> bool:
    names = [name for name, _ in form.multi_items()]
    return len(names) != len(set(names))


def _error(error: TokenError, request: Request) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401 and request.headers.get("Authorization", "").lower().startswith("basic"):
        headers["WWW-Authenticate"] = 'Basic realm="token", charset="UTF-8"'
    body = {"error": error.error, "error_description": error.description}
    return shared(JSONResponse(body, status_code=error.status, headers=headers))
