"""One way to answer: a step as an htmx fragment, as a full page, or a 303 to it.

What a Failure shows again and where a Success may go come from the step
table (routes/steps.py); a Success that lands anywhere else is a bug, and
raises. Each step's template gets the form basics plus what its entry `needs`.
"""

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.flows.results import Failure, Notice, Success
from components.flows.sending import resend_wait
from components.forms import Invalid
from components.phones import COUNTRIES, mask, national_form
from components.services import Services
from components.storage.users import User
from components.web.csrf import csrf_token
from components.web.sessions import start_session
from routes.incoming import is_htmx, services, session_user
from routes.steps import ACTIONS, Step, current_step, enter
from routes.templates import templates

FAILURE_STATUS = {"invalid": 422, "slow_down": 429, "unavailable": 503}


class UndeclaredTransition(Exception):
    """An action led to a step the step table does not list for it."""


def _countries(app: Services, user: User | None) -> dict:
    allowed = app.settings.allowed_countries
    return {"countries": [country for country in COUNTRIES if country.code in allowed] if allowed else COUNTRIES}


# What a step `needs` (routes/steps.py), built only for the steps that use it.
NEEDS: dict[str, Callable[[Services, User], dict]] = {
    "countries": _countries,
    "number": lambda app, user: {"values": {"country": user.country, "phone": national_form(user.phone)}},
    "phone": lambda app, user: {"masked_phone": mask(user.phone)},
    "resend": lambda app, user: {
        "resend_wait": resend_wait(app, user),
        "channels": app.verifier.channels,
        "code_minutes": app.settings.code_ttl_seconds // 60,
    },
}


async def show(
    request: Request, step: Step, user: User | None, *, status: int = 200, notice: Notice | None = None,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The step as a fragment (htmx) or inside the full page."""
    app = services(request)
    context = {
        "step": step.name,
        "step_template": step.template,
        "title": step.title,
        "heading": step.heading_for(user),
        "user": user,
        "notice": notice,
        "errors": errors or {},
        "values": {"country": app.settings.default_country},
        "csrf_token": csrf_token(request.session),
        "app_name": app.settings.app_name,
    }
    for need in step.needs:
        context.update(NEEDS[need](app, user))
    if values is not None:
        context["values"] = values
    name = "fragment.html" if is_htmx(request) else "page.html"
    response = templates.TemplateResponse(request, name, context, status_code=status, headers=headers)
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response


async def show_current(request: Request, notice: Notice | None = None) -> Response:
    user = await session_user(request)
    return await show(request, current_step(user, request.session), user, notice=notice)


async def invalid(request: Request, problem: Invalid) -> Response:
    """The form again with each field's message and what was typed (422)."""
    notice = Notice("There is a problem: " + " ".join(problem.errors.values()), error=True)
    step = ACTIONS[request.url.path].on
    return await show(
        request, step, await session_user(request), status=422, notice=notice, errors=problem.errors,
        values=problem.values,
    )


async def respond(request: Request, result: Success | Failure, *, values: dict[str, str] | None = None) -> Response:
    """A Failure shows its step again (4xx/503); a Success moves on to where the table says."""
    action = ACTIONS[request.url.path]
    if isinstance(result, Failure):
        errors = {result.field: result.notice.text} if result.field else {}
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return await show(
            request, action.on, result.user or await session_user(request), status=FAILURE_STATUS[result.kind],
            notice=result.notice, errors=errors, values=values, headers=headers,
        )
    _take_over_session(request, result)
    enter(request.session, action)
    step = current_step(result.user, request.session)
    if step not in action.leads_to:
        raise UndeclaredTransition(f"POST {action.path} led to {step.name}, not {[s.name for s in action.leads_to]}")
    return await moved_on(request, result, step)


async def moved_on(request: Request, result: Success, step: Step | None = None) -> Response:
    """The next step: a fragment that also fixes the URL (htmx), or 303 to / with the notice kept."""
    if is_htmx(request):
        step = step or current_step(result.user, request.session)
        return await show(request, step, result.user, notice=result.notice, headers={"HX-Replace-Url": "/"})
    request.session["flash"] = {"text": result.notice.text, "error": result.notice.error}
    return RedirectResponse("/", status_code=303)


def _take_over_session(request: Request, result: Success) -> None:
    """A new identity (or a privilege change the flow asks for) gets a new session."""
    user_id = result.user.id if result.user else None
    if result.fresh_session or request.session.get("uid") != user_id:
        start_session(request.session, result.user, services(request).clock())
