"""The GET of the steps: home (whatever step this visitor is at) and each step
with a page of its own."""

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.durations import HOUR, MINUTE
from components.flows.results import Notice
from components.language import say
from components.text import _
from components.web.incoming import language_of, services_of
from components.web.render import in_language, kept_notice, show_kept
from components.web.step_table import Step, path_to, table_of
from components.web.templates import site_context, templates
from components.web.visits import ENDED_ELSEWHERE, visit

SIGNED_OUT_ELSEWHERE = _("You were signed out here by another browser. Sign in again to go on.")


async def home(request: Request) -> Response:
    """GET /: the step this visitor is at (the table says which). A browser whose sign-in
    another one ended goes to sign in again, told why."""
    current = await visit(request)
    if request.session.pop(ENDED_ELSEWHERE, False):
        request.session["flash"] = kept_notice(Notice(SIGNED_OUT_ELSEWHERE), language_of(request))
        return RedirectResponse(path_to(request, "signin"), status_code=303)
    return await show_kept(request, table_of(request).current(current), current, _flash(request))


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
        return await show_kept(request, step, current, _flash(request))

    return shown


async def privacy(request: Request) -> Response:
    """GET /privacy: what is kept and for how long, with this site's settings (PRIVACY_URL
    names the operator's own notice instead, and the footer links there)."""
    settings = services_of(request).settings
    language = language_of(request)
    context = {
        **in_language(language),
        **site_context(settings),
        "title": say(_("Privacy"), language),
        "notice": None,
        "list_countries": False,
        "unfinished_hours": settings.unverified_ttl_seconds // HOUR,
        "code_minutes": settings.code_ttl_seconds // MINUTE,
        "idle_hours": max(1, settings.session_idle_seconds // HOUR),
        "most_hours": max(1, settings.session_max_age_seconds // HOUR),
        "remember_days": settings.remember_browser_days,
        "known_days": settings.known_browser_days,
    }
    headers = {"Content-Language": language, "Cache-Control": "no-cache"}
    return templates.TemplateResponse(request, "privacy.html", context, headers=headers)
