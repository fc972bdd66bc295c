"""Answers to requests that could not go ahead. A stale or forged form, or a code
action with no code waiting behind it, shows this visitor's own step again;
anything else gets the app's own error page (components/web/middleware.py says
when), which htmx never swaps over a form the visitor filled in."""

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from components.flows.results import Notice
from components.forms import kept_values
from components.language import say
from components.logs import REQUEST_ID, shown
from components.text import Text, _
from components.web.csrf import CsrfFailed
from components.web.incoming import NoPendingCode, NotSignedIn, address_of, language_of, services_of
from components.web.render import back_to_current, in_language, show
from components.web.step_table import table_of
from components.web.templates import site_context, templates
from components.web.visits import visit

log = logging.getLogger(__name__)


async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
    """Nothing was done; the step comes back with a fresh token, and with what was
    typed only when our own page sent it (a foreign site's post could plant a
    number or an email for the visitor to send on unawares)."""
    log.warning("form refused: reason=csrf path=%s address=%s", shown(request.url.path), address_of(request))
    notice = Notice(_("This form had expired, so nothing was sent. Check it and send it again."), error=True)
    ours = _from_our_page(request) and error.form.get("name")
    values = kept_values(error.form, services_of(request).settings.default_country) if ours else None
    current = await visit(request)
    return await show(request, table_of(request).current(current), current, status=403, notice=notice, values=values)


def _from_our_page(request: Request) -> bool:
    """What the browser says of where the form was: Sec-Fetch-Site, else Origin; no word, no trust."""
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site == "same-origin"
    return request.headers.get("Origin") == f"{request.url.scheme}://{request.url.netloc}"


async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
    log.warning("form refused: reason=not-signed-in path=%s address=%s", shown(request.url.path), address_of(request))
    return await back_to_current(request, Notice(_("Sign in first to change your account.")))


async def no_pending_code(request: Request, error: NoPendingCode) -> Response:
    """A stale tab or another visitor's form: show this session's own step instead."""
    log.warning("form refused: reason=no-code-waiting path=%s address=%s", shown(request.url.path), address_of(request))
    return await back_to_current(request, Notice(_("There is no signup waiting for a code.")))


ERRORS = {
    400: (
        _("Sorry, we could not read that"),
        _("The form came in a shape we could not read. Go back and send it again."),
    ),
    404: (_("Page not found"), _("There is nothing at this address.")),
    405: (_("Page not found"), _("There is nothing to send to this address.")),
    408: (
        _("Sorry, that took too long to arrive"),
        _("What you sent did not all reach us in time, so nothing was done. Check your connection and send it again."),
    ),
    413: (
        _("Too much to send"),
        _("That was more text than this form takes. Go back, shorten it and send it again."),
    ),
    500: (
        _("Sorry, something went wrong"),
        _(
            "Something went wrong on our side, so what you asked for may not have "
            "been done. Nothing you typed was lost: go back and try again."
        ),
    ),
    503: (
        _("Sorry, the service is unavailable"),
        _(
            "We couldn't reach our records just now, so nothing was done. "
            "Nothing you typed was lost: go back and send it again in a moment."
        ),
    ),
}
RETRY_AFTER_SECONDS = 10


async def error_page(scope: Scope, status: int, headers: dict[str, str] | None = None) -> Response:
    """The app's own page for an error status (used before any session or account is read)."""
    title, message = ERRORS[status]
    return problem_page(Request(scope), status, title, message, headers)


def problem_page(
    request: Request, status: int, title: Text, message: Text, headers: dict[str, str] | None = None
) -> Response:
    """The app's own error page, saying `title` and `message`."""
    app = request.scope.get("app")
    services_ = getattr(app.state, "services", None) if app else None
    language = language_of(request)
    context = {
        **in_language(language),
        "title": say(title, language),
        "message": say(message, language),
        "notice": None,
        "list_countries": False,
        "reference": REQUEST_ID.get(),
        **site_context(services_.settings if services_ else None),
    }
    headers = {**(headers or {}), "Cache-Control": "no-store", "X-Error-Page": str(status), "HX-Reswap": "none"}
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    headers["Content-Language"] = language
    return templates.TemplateResponse(request, "error.html", context, status_code=status, headers=headers)


def broken_app_link(request: Request, reason: str) -> Response:
    """An app sent its visitor with a link we must not follow back (an unknown app, an
    address it never registered): our own page, saying why for the app's makers."""
    message = _(
        "The link that brought you here is not right, so we can't send you back to the app. "
        "Go back to the app and try again. If it keeps happening, tell the app's makers: %(reason)s.",
        reason=reason,
    )
    return problem_page(request, 400, _("That app's link is not right"), message)


async def http_error(request: Request, error: HTTPException) -> Response:
    """A form we could not read, no such page, or not this method (405 keeps its Allow header)."""
    status = error.status_code if error.status_code in ERRORS else 400 if error.status_code < 500 else 500
    return await error_page(request.scope, status, dict(error.headers or {}))


EXCEPTION_HANDLERS: dict[Any, Any] = {  # Starlette's own typing takes each handler's exception as Exception
    CsrfFailed: csrf_failed,
    NoPendingCode: no_pending_code,
    NotSignedIn: not_signed_in,
    HTTPException: http_error,
}
