"""One way to answer: the current step as an htmx fragment, a full page, or a 303.

The step shown always follows from the session and the database, so a reload
shows the same step a swap just did.
"""

from pathlib import Path

from jinja2 import StrictUndefined
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from components.forms import Invalid, kept_values
from components.phones import COUNTRIES, mask, national_form
from components.results import Failure, Notice, Success
from components.security import CsrfFailed, csrf_token, start_session
from components.sending import resend_wait
from components.users import User
from routes._http import NoPendingSignup, is_htmx, services, session_user
from routes.assets import static_url

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.undefined = StrictUndefined
templates.env.globals["static"] = static_url

STEP_TEMPLATES = {
    "signup": "steps/signup.html",
    "number": "steps/signup.html",
    "code": "steps/code.html",
    "done": "steps/done.html",
    "signin": "steps/signin.html",
}
FAILURE_STATUS = {"invalid": 422, "slow_down": 429, "unavailable": 503}


def _countries(allowed: tuple[str, ...]) -> list:
    return [country for country in COUNTRIES if country.code in allowed] if allowed else COUNTRIES


def step_of(user: User | None, session: dict) -> str:
    if user is None:
        return "signup"
    if user.verified:
        return "done"
    return "number" if session.get("changing_number") else "code"


def _form_values(user: User | None, default_country: str) -> dict[str, str]:
    if user is None:
        return {"country": default_country}
    return {"name": user.name, "email": user.email, "country": user.country, "phone": national_form(user.phone)}


async def render(
    request: Request, *, step: str | None = None, status: int = 200, notice: Notice | None = None,
    errors: dict[str, str] | None = None, values: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    app = services(request)
    user = await session_user(request)
    step = step or step_of(user, request.session)
    context = {
        "step": step,
        "step_template": STEP_TEMPLATES[step],
        "user": user,
        "masked_phone": mask(user.phone) if user else "",
        "resend_wait": resend_wait(app, user) if user else 0,
        "channels": app.verifier.channels,
        "code_minutes": app.settings.code_ttl_seconds // 60,
        "notice": notice,
        "errors": errors or {},
        "values": values or _form_values(user, app.settings.default_country),
        "countries": _countries(app.settings.allowed_countries),
        "csrf_token": csrf_token(request.session),
        "app_name": app.settings.app_name,
    }
    name = "fragment.html" if is_htmx(request) else "page.html"
    response = templates.TemplateResponse(request, name, context, status_code=status, headers=headers)
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response


async def invalid(request: Request, problem: Invalid, *, step: str) -> Response:
    """The same step again with each field's message and what was typed (422)."""
    notice = Notice("There is a problem: " + " ".join(problem.errors.values()), error=True)
    return await render(request, step=step, status=422, notice=notice, errors=problem.errors, values=problem.values)


async def respond(
    request: Request, result: Success | Failure, *, step: str | None = None, values: dict[str, str] | None = None,
) -> Response:
    """A Failure keeps the step (4xx/503); a Success moves on: a fragment, or 303 to the page."""
    if isinstance(result, Failure):
        errors = {result.field: result.notice.text} if result.field else {}
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return await render(
            request, step=step, status=FAILURE_STATUS[result.kind], notice=result.notice,
            errors=errors, values=values, headers=headers,
        )
    _enter(request.session, result, services(request).clock())
    if is_htmx(request):
        return await render(request, notice=result.notice, headers={"HX-Replace-Url": "/"})
    request.session["flash"] = {"text": result.notice.text, "error": result.notice.error}
    return RedirectResponse("/", status_code=303)


def _enter(session: dict, result: Success, now: float) -> None:
    user_id = result.user.id if result.user else None
    if result.fresh_session or session.get("uid") != user_id:
        start_session(session, result.user, now)
    if result.changing_number:
        session["changing_number"] = True
    else:
        session.pop("changing_number", None)


async def csrf_failed(request: Request, error: CsrfFailed) -> Response:
    """Nothing was done; the step comes back with what was typed and a fresh token."""
    notice = Notice("This form had expired, so nothing was sent. Check it and send it again.", error=True)
    values = kept_values(error.form, services(request).settings.default_country) if error.form.get("name") else None
    return await render(request, status=403, notice=notice, values=values)


async def no_pending_signup(request: Request, error: NoPendingSignup) -> Response:
    """A stale tab or another visitor's form: show this session's own step instead."""
    user = await session_user(request)
    return await respond(request, Success(user, Notice("There is no signup waiting for a code.")))


EXCEPTION_HANDLERS = {CsrfFailed: csrf_failed, NoPendingSignup: no_pending_signup}
