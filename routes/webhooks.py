"""Providers calling the app: Twilio's status callbacks on the texts it took.

The one POST without a CSRF token: it comes from Twilio, not a browser, and
its `X-Twilio-Signature` proves it (a missing or wrong one: 403, nothing
changes). The signed URL is the public one Twilio called (PUBLIC_URL behind a
proxy), not the one the app sees.
"""

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from components.flows import delivery
from components.web.incoming import services_of
from components.web.twilio_webhooks import signed_by_twilio


async def twilio_status(request: Request) -> Response:
    services = services_of(request)
    form = await request.form(max_fields=40, max_part_size=2048)
    params = {name: value for name, value in form.multi_items() if isinstance(value, str)}
    url = _public_url(request, services.settings.public_url)
    if not signed_by_twilio(
        services.settings.twilio_auth_token, url, params, request.headers.get("X-Twilio-Signature", "")
    ):
        return PlainTextResponse("This request is not signed by Twilio.", status_code=403)
    await delivery.status_reported(services, params)
    return Response(status_code=204)


def _public_url(request: Request, public_url: str) -> str:
    if not public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_url.rstrip("/") + request.url.path + query
