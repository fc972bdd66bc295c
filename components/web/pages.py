"""The GET of the steps: home (whatever step this visitor is at) and each step
with a page of its own."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.flows.results import Notice
from components.language import say
from components.text import _
from components.web.incoming import language_of
from components.web.render import show
from components.web.step_table import Step, path_to, table_of
from components.web.visits import ENDED_ELSEWHERE, visit

SIGNED_OUT_ELSEWHERE = _("You were signed out here by another browser. Sign in again to go on.")


async def home(request: Request) -> Response:
    """GET /: the step this visitor is at (the table says which). A browser whose sign-in
    another one ended goes to sign in again, told why."""
    current = await visit(request)
    if request.session.pop(ENDED_ELSEWHERE, False):
        request.session["flash"] = {"text": say(SIGNED_OUT_ELSEWHERE, language_of(request)), "error": False}
        return RedirectResponse(path_to(request, "signin"), status_code=303)
    return await show(request, table_of(request).current(current), current, notice=_flash(request))


def _flash(request: Request) -> Notice | None:
    """The notice the last no-JS post left, for the page it was sent to."""
    flash = request.session.pop("flash", None)
    return Notice(**flash) if flash else None


def page(step: Step) -> Callable[[Request], Awaitable[Response]]:
    """GET of a step with a page of its own: an account setting for a signed-in browser
    (anyone else is sent to sign in), or a page for everyone else (a signed-in
    browser goes home)."""
    assert step.page is not None
    signed_in = step.page.signed_in

    async def shown(request: Request) -> Response:
        current = await visit(request)
        if (current.stage == "signed-in") != signed_in:
            return RedirectResponse(path_to(request, "signin" if signed_in else "home"), status_code=303)
        return await show(request, step, current, notice=_flash(request))

    return shown
