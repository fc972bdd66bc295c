"""One way to answer: a step as an htmx fragment, as a full page, or a 303 to it.

What a Failure shows again and where a Success may go come from the step
table (routes/steps.py); a Success that lands anywhere else is a bug, and
raises. A Success that changes who the session is retires the old session
and opens a new one. Each step's template gets the form basics plus what its
entry `needs`.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

from jinja2 import Template
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from components.flows import delivery, reset
from components.flows.results import Failure, Notice, Success
from components.flows.sending import recipient, resend_wait
from components.forms import Invalid
from components.language import LANGUAGES, say
from components.phones import mask, national_form
from components.services import Services
from components.storage.users import User
from components.text import Text, _
from components.web.csrf import csrf_token
from components.web.incoming import account_of, is_htmx, language_of, services_of, visit
from components.web.sessions import (
    STEP_KEY,
    Visit,
    hold_pending,
    hold_step,
    keep_pending,
    stage_of,
    start_session,
)
from components.web.step_table import Step, action_of, path_to, table_of
from components.web.templates import rendered_once, templates

FAILURE_STATUS = {"invalid": 422, "slow_down": 429, "unavailable": 503}


class UndeclaredTransition(Exception):
    """An action led to a step the step table does not list for it."""


async def _countries(services: Services, visit: Visit) -> dict[str, Any]:
    """Nothing to add: the list is rendered once (components/web/templates.py). The need marks the
    steps that show it (the others' full pages carry it for fragments to come)."""
    return {}


async def _number(services: Services, visit: Visit) -> dict[str, Any]:
    account = account_of(visit)
    return {"values": {"country": account.country, "phone": national_form(account.phone)}}


async def _phone(services: Services, visit: Visit) -> dict[str, Any]:
    return {"masked_phone": mask(account_of(visit).phone)}


async def _code(services: Services, visit: Visit) -> dict[str, Any]:
    """The code step, for whatever the code is for. A reset's shows nothing of the
    account (it may have none), and the same waits for every email."""
    purpose, settings = visit.code_purpose, services.settings
    common = {
        "purpose": purpose,
        "channels": services.verifier.channels,
        "code_minutes": settings.code_ttl_seconds // 60,
        "can_remember": purpose == "signin" and settings.signin_code == "new-browser",
        "remember_days": settings.remember_browser_days,
    }
    if (
        purpose == "reset" and visit.reset
    ):  # no delivery shown: a text sent or not would tell if the email has an account
        wait = await reset.email_cooldown(services, visit.reset.email)
        return {**common, "reset_email": visit.reset.email, "resend_wait": wait, "code_sent": True, "delivery": None}
    shown = recipient(account_of(visit))
    return {
        **common,
        "masked_phone": mask(shown.phone),
        "resend_wait": resend_wait(services, shown),
        "code_sent": shown.code_sent_at is not None,
        "delivery": await delivery.of_code(services, shown),
        "delivery_wait": delivery.FIRST_POLL_SECONDS,
    }


async def _reauth(services: Services, visit: Visit) -> dict[str, Any]:
    """Whether the password must be given again (the sign-in is not recent)."""
    return {
        "reauth": services.clock() - visit.auth_at > services.settings.reauth_seconds,
        "reauth_minutes": services.settings.reauth_seconds // 60,
    }


# What a step `needs` (routes/steps.py), built only for the steps that use it.
NEEDS: dict[str, Callable[[Services, Visit], Awaitable[dict[str, Any]]]] = {
    "countries": _countries,
    "number": _number,
    "phone": _phone,
    "code": _code,
    "reauth": _reauth,
}


async def show(
    request: Request,
    step: Step,
    visit: Visit,
    *,
    status: int = 200,
    notice: Notice | None = None,
    errors: Mapping[str, Text | str] | None = None,
    values: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The step as a fragment (htmx) or inside the full page, for this visit, in its language."""
    services = services_of(request)
    language = language_of(request)
    context: dict[str, Any] = {
        **in_language(language),
        "step": step.name,
        "step_template": step.template,
        "title": say(step.title, language),
        "heading": say(step.heading_for(visit.account), language),
        "user": visit.account,
        "notice": notice and Notice(say(notice.text, language), notice.error),
        "errors": {field: say(text, language) for field, text in (errors or {}).items()},
        "values": {"country": services.settings.default_country},
        "csrf_token": csrf_token(request.session),
        "app_name": services.settings.app_name,
        "allowed_countries": services.settings.allowed_countries,
        "fragment": is_htmx(request),
        # A full page whose step has no country list carries one for the fragments to come.
        "list_countries": "countries" not in step.needs,
    }
    for need in step.needs:
        context.update(await NEEDS[need](services, visit))
    if values is not None:
        context["values"] = values
    name = "fragment.html" if context["fragment"] else "page.html"
    template = templates.get_template(name)
    if visit.stage == "anonymous" and not (notice or errors or values or headers) and status == 200:
        # A new visitor's page differs from the next one's by its CSRF token alone.
        page = rendered_once(
            (name, step.name, language), lambda: template.render({**context, "csrf_token": TOKEN_SLOT})
        )
        content = page.replace(TOKEN_SLOT, str(context["csrf_token"]))
    else:
        content = template.render(context)
    response = StepResponse(template, {**context, "request": request}, content, status, headers)
    response.headers["Vary"] = "HX-Request, Accept-Language, Cookie"
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "no-store"
    return response


TOKEN_SLOT = "csrf-token-slot-5e1d0c"


def in_language(language: str) -> dict[str, Any]:
    """What every page needs to be in `language`: its code and direction, and the switcher's list."""
    return {"language": language, "direction": LANGUAGES[language].direction, "languages": LANGUAGES.values()}


class StepResponse(HTMLResponse):
    """A rendered step that, like Starlette's template responses, tells test clients
    which template and context made it."""

    def __init__(
        self, template: Template, context: dict[str, Any], content: str, status: int, headers: dict[str, str] | None
    ):
        self.template, self.context = template, context
        super().__init__(content, status, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


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
        return await show(request, step, current)

    return shown


async def home(request: Request) -> Response:
    """GET /: the step this visitor is at (the table says which)."""
    flash = request.session.pop("flash", None)  # left by the last no-JS post
    return await show_current(request, Notice(**flash) if flash else None)


async def show_current(request: Request, notice: Notice | None = None) -> Response:
    current = await visit(request)
    return await show(request, table_of(request).current(current), current, notice=notice)


async def invalid(request: Request, problem: Invalid) -> Response:
    """The form again with each field's message and what was typed (422)."""
    language = language_of(request)
    problems = " ".join(say(text, language) for text in problem.errors.values())
    notice = Notice(_("There is a problem: %(problems)s", problems=problems), error=True)
    step = action_of(request).on
    return await show(
        request,
        step,
        await visit(request),
        status=422,
        notice=notice,
        errors=problem.errors,
        values=problem.values,
    )


async def respond(request: Request, result: Success | Failure, *, values: dict[str, str] | None = None) -> Response:
    """A Failure shows its step again (4xx/503); a Success moves on to where the table says."""
    action = action_of(request)
    if isinstance(result, Failure):
        errors = {result.field: result.notice.text} if result.field else {}
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        current = await visit(request)
        if result.pending:
            keep_pending(request.session, result.pending)
        shown = replace(current, account=result.user) if result.user else current
        return await show(
            request,
            action.on,
            shown,
            status=FAILURE_STATUS[result.kind],
            notice=result.notice,
            errors=errors,
            values=values,
            headers=headers,
        )
    await _take_over_session(request, result)
    held = table_of(request).held_after(action)
    hold_step(request.session, held.name if held else None)
    step = table_of(request).current(_visit_after(request, result))
    if step not in action.leads_to:
        raise UndeclaredTransition(f"POST {action.path} led to {step.name}, not {[s.name for s in action.leads_to]}")
    return await moved_on(request, result, step)


async def moved_on(request: Request, result: Success, step: Step | None = None) -> Response:
    """The next step after a Success; a browser to remember gets its cookie."""
    response = await _go_to(request, _visit_after(request, result), result.notice, step)
    if result.remember and result.user:
        _remember_browser(request, response, result.user)
    return response


async def back_to_current(request: Request, notice: Notice) -> Response:
    """A stale tab or a form that did not apply: this visitor's own step, with a word why."""
    return await _go_to(request, await visit(request), notice)


async def _go_to(request: Request, where: Visit, notice: Notice, step: Step | None = None) -> Response:
    """A fragment that also fixes the URL (htmx), or 303 to / with the notice kept."""
    if is_htmx(request):
        home = path_to(request, "home")
        return await show(
            request, step or table_of(request).current(where), where, notice=notice, headers={"HX-Replace-Url": home}
        )
    request.session["flash"] = {"text": say(notice.text, language_of(request)), "error": notice.error}
    return RedirectResponse(path_to(request, "home"), status_code=303)


def _visit_after(request: Request, result: Success) -> Visit:
    pending = result.pending
    account = pending.user if pending else result.user
    stage = stage_of(account, pending.purpose if pending else None)
    return Visit(
        account,
        stage,
        request.session.get(STEP_KEY),
        reset=pending if stage == "reset-code" else None,
        auth_at=request.session.get("auth_at", 0.0),
    )


class SessionMismatch(Exception):
    """A Success named another account without asking for a fresh session."""


async def _take_over_session(request: Request, result: Success) -> None:
    """A new identity (or a privilege change) gets a new session, only when the flow
    asks for one; the old one is retired: its cookie stops working, copies included."""
    services = services_of(request)
    session, now = request.session, services.clock()
    user_id = result.user.id if result.user else None
    if not result.fresh_session:
        if session.get("uid") != user_id:  # fail closed: no flow signs anyone in by accident
            raise SessionMismatch(f"POST {request.url.path} gave the session user {user_id} without a fresh session")
        if result.pending:
            keep_pending(session, result.pending)
        return
    token = await _new_session_record(services, session.get("sid"), session.get("uid"), result.user)
    start_session(session, result.user, token, now)
    if result.pending:
        hold_pending(session, result.pending, now)


async def _new_session_record(
    services: Services, old: str | None, old_user: int | None, user: User | None
) -> str | None:
    """The session's record under a new token: the same record when the account stays
    (one statement), else the old one closed and a new one opened."""
    if old and user and old_user == user.id and (token := await services.sessions.rotate(old)):
        return token
    if old:
        await services.sessions.close(old)
    return await services.sessions.open(user.id) if user else None


def _remember_browser(request: Request, response: Response, user: User) -> None:
    remembered = services_of(request).remembered
    response.set_cookie(
        remembered.cookie,
        remembered.token(user),
        max_age=remembered.max_age,
        path="/",
        secure=remembered.secure,
        httponly=True,
        samesite="lax",
    )
