"""Answers to requests that could not go ahead: a stale or forged form, a code
action with no code waiting behind it. Each shows this visitor's own step again."""

import logging

from starlette.requests import Request
from starlette.responses import Response

from components.flows.results import Notice
from components.forms import kept_values
from components.web.csrf import CsrfFailed
from routes.incoming import NoPendingCode, origin, services, visit
from routes.render import back_to_current, show
from routes.steps import current_step

log = logging.getLogger(__name__)


async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
    """Nothing was done; the step comes back with a fresh token, and with what was
    typed only when our own page sent it (a foreign site's post could plant a
    number or an email for the visitor to send on unawares)."""
    log.warning("form refused: reason=csrf path=%s address=%s", request.url.path, origin(request))
    notice = Notice("This form had expired, so nothing was sent. Check it and send it again.", error=True)
    ours = _from_our_page(request) and error.form.get("name")
    values = kept_values(error.form, services(request).settings.default_country) if ours else None
    current = await visit(request)
    return await show(request, current_step(current), current.account, status=403, notice=notice, values=values)


def _from_our_page(request: Request) -> bool:
    """What the browser says of where the form was: Sec-Fetch-Site, else Origin; no word, no trust."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    return request.headers.get("Origin") == f"{request.url.scheme}://{request.url.netloc}"


async def no_pending_code(request: Request, error: NoPendingCode) -> Response:
    """A stale tab or another visitor's form: show this session's own step instead."""
    return await back_to_current(request, Notice("There is no signup waiting for a code."))


EXCEPTION_HANDLERS = {CsrfFailed: csrf_failed, NoPendingCode: no_pending_code}
