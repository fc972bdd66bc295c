"""Cross-origin reads for apps that run in a browser (a public client with PKCE):
discovery, the JWKS, the token endpoint and userinfo answer any origin. Nothing
they answer rides on this site's cookies (credentials are never allowed), so
any origin may read them."""

from starlette.requests import Request
from starlette.responses import Response

HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Expose-Headers": "WWW-Authenticate",
    "Access-Control-Max-Age": "600",
}


def shared(response: Response) -> Response:
    """`response`, readable from any origin."""
    response.headers.update(HEADERS)
    return response


async def preflight(request: Request) -> Response:
    """OPTIONS: a browser asks before it posts with Authorization or JSON."""
    return shared(Response(status_code=204))
