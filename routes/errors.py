"""Answers to requests that could not go ahead: a stale or forged form, a code
action with no code waiting behind it. Each shows this visitor's own step again."""

from starlette.requests import Request
from starlette.responses import Response

from components.flows.results import Notice
from components.forms import kept_values
from components.web.csrf import CsrfFailed
from routes.incoming import NoPendingCode, services, visit
from routes.render import back_to_current, show
from routes.steps import current_step


async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
    """Nothing was done; the step comes back with what was typed and a fresh token."""
    notice = Notice("This form had expired, so nothing was sent. Check it and send it again.", error=True)
    values = kept_values(error.form, services(request).settings.default_country) if error.form.get("name") else None
    current = await visit(request)
    return await show(request, current_step(current), current.account, status=403, notice=notice, values=values)


async def no_pending_code(request: Request, error: NoPendingCode) -> Response:
    """A stale tab or another visitor's form: show this session's own step instead."""
    return await back_to_current(request, Notice("There is no signup waiting for a code."))


EXCEPTION_HANDLERS = {CsrfFailed: csrf_failed, NoPendingCode: no_pending_code}
