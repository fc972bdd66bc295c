"""The userinfo endpoint (OpenID Connect Core §5.3): the claims an access token's
scopes allow, for the Bearer token in the Authorization header (or, by POST, in
the form: RFC 6750 §2.2). Refusals say why in WWW-Authenticate (RFC 6750 §3)."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.flows import tokens
from components.web.cors import shared
from components.web.incoming import services_of

NO_STORE = {"Cache-Control": "no-store"}


async def userinfo(request: Request) -> Response:
    """GET or POST /userinfo"""
    header = request.headers.get("Authorization", "")
    scheme, _, in_header = header.partition(" ")
    in_form = str((await request.form()).get("access_token", "")) if request.method == "POST" else ""
    if header and scheme.lower() != "bearer" or (in_header and in_form):
        return _refused(400, "invalid_request", "one Bearer token, in one place")
    access_token = in_header.strip() or in_form
    if not access_token:
        return _refused(401)  # no token at all: no error code (RFC 6750 §3.1)
    claims = await tokens.userinfo(services_of(request), access_token)
    if claims is None:
        return _refused(401, "invalid_token", "the access token is not valid")
    return shared(JSONResponse(claims, headers=NO_STORE))


def _refused(status: int, error: str = "", description: str = "") -> Response:
    challenge = (
        f'Bearer realm="userinfo", error="{error}", error_description="{description}"'
        if error
        else 'Bearer realm="userinfo"'
    )
    headers = {**NO_STORE, "WWW-Authenticate": challenge}
    body = {"error": error, "error_description": description} if error else {}
    return shared(JSONResponse(body, status_code=status, headers=headers))
