"""One way to answer: a step as an htmx fragment, as a full page, or a 303 to it.

What a Failure shows again and where a Success may go come from the step
table (routes/steps.py); a Success that lands anywhere else is a bug, and
raises. A Success that changes who the session is retires the old session
and opens a new one. Each step's template gets the form basics plus what its
entry `needs` (web/step_context.py).
"""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from jinja2 import Template
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from components.browsers import UNKNOWN, Browser, browser_of
from components.flows import devices
from components.flows.results import Failure, Notice, Success
from components.forms import Invalid
from components.language import LANGUAGES, say
from components.storage.users import User
from components.text import Text, _
from components.web.compression import Precompressed
from components.web.csrf import csrf_token
from components.web.incoming import address_of, is_htmx, language_of, services_of
from components.web.middleware import accepts_gzip, policy_allowing_forms_to
from components.web.sessions import AUTHORIZING, hold_step, start_afresh, vouch_for_browser
from components.web.step_context import NEEDS
from components.web.step_table import Step, action_of, path_to, table_of
from components.web.templates import compact, rendered_once, site_context, templates
from components.web.visits import Visit, hold_pending, keep_pending, visit, visit_after

FAILURE_STATUS = {"invalid": 422, "slow_down": 429, "unavailable": 503}


class UndeclaredTransition(Exception):
    """An action led to a step the step table does not list for it."""


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
        "notice": notice and replace(notice, text=say(notice.text, language)),
        "errors": {field: say(text, language) for field, text in (errors or {}).items()},
        "keep": [],  # password fields static/app.js fills again (_passwords_again)
        "values": {"country": services.settings.default_country},
        "csrf_token": csrf_token(request.session),
        **site_context(services.settings),
        "allowed_countries": services.settings.allowed_countries,
        "password_min": services.settings.password_min_length,
        "fragment": is_htmx(request),
        # A full page whose step has no country list carries one for the fragments to come.
        "list_countries": "countries" not in step.needs,
        "account_switcher": _has_account(visit),  # the switcher posts (routes/language.py)
        "authorizing": request.session.get(AUTHORIZING),  # an app the visitor signs in for (routes/authorize.py)
        # A swap that signed an account in or out brings the switcher that now fits.
        "languages_oob": _has_account(visit) != _has_account(getattr(request.state, "visit", visit)),
    }
    for need in step.needs:
        context.update(await NEEDS[need](request, visit))
    if values is not None:
        context["values"] = values
    _passwords_again(step, context, language)
    name = "fragment.html" if context["fragment"] else "page.html"
    template = templates.get_template(name)
    content: str | bytes
    if visit.stage == "anonymous" and not (notice or errors or values or headers) and status == 200:
        content, headers = _same_for_everyone(request, (name, step.name, language), template, context)
    else:
        content = compact(template.render(context))
    response = StepResponse(template, {**context, "request": request}, content, status, headers)
    if context["authorizing"]:  # a plain post's answer goes on to the app's address
        response.headers["Content-Security-Policy"] = policy_allowing_forms_to(context["authorizing"]["to"])
    vary = "HX-Request, Accept-Language, Cookie"
    response.headers["Vary"] = f"{vary}, Accept-Encoding" if "content-encoding" in response.headers else vary
    response.headers["Content-Language"] = language
    response.headers["Cache-Control"] = "no-store"
    return response


TOKEN_SLOT = "csrf-token-slot-5e1d0c"


def _same_for_everyone(
    request: Request, key: tuple[str, ...], template: Template, context: dict[str, Any]
) -> tuple[str | bytes, dict[str, str] | None]:
    """A new visitor's page differs from the next one's by its CSRF token alone: rendered
    once, and compressed once for browsers that take gzip (components/web/compression.py)."""
    page = rendered_once(key, lambda: compact(template.render({**context, "csrf_token": TOKEN_SLOT})))
    token = str(context["csrf_token"])
    if not accepts_gzip(request.scope):
        return page.replace(TOKEN_SLOT, token), None
    compressed = rendered_once((*key, "gzip"), lambda: Precompressed.of(page, TOKEN_SLOT))
    return compressed.filled(token), {"Content-Encoding": "gzip"}


TYPE_AGAIN = {
    "password": _("Type your password again. For your security, it is not kept after an error."),
    "current_password": _("Type your current password again. For your security, it is not kept after an error."),
    "new_password": _("Type your new password again. For your security, it is not kept after an error."),
}


def _passwords_again(step: Step, context: dict[str, Any], language: str) -> None:
    """A form shown again after an error comes back with its password fields empty (a
    password is never sent back in a page). Those nothing was wrong with: with htmx,
    static/app.js puts back what was typed (`keep`); without JavaScript, each says to
    type it again, so that one round trip shows every error at once."""
    errors = context["errors"]
    if not errors:
        return
    # The password again ("password" on a step that needs "reauth") is there only while asked.
    shown = [name for name in step.passwords if name != "password" or context.get("reauth", True)]
    untouched = [name for name in shown if name not in errors]
    if context["fragment"]:
        context["keep"] = untouched
    else:
        errors.update((name, say(TYPE_AGAIN[name], language)) for name in untouched)


def page_apart(
    request: Request, name: str, title: Text, context: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """A page that is no step (consent, a logout's question, privacy): the layout around
    `name`, in the visitor's language, with a form token, never cached."""
    language = language_of(request)
    full = {
        **in_language(language),
        **site_context(services_of(request).settings),
        "title": say(title, language),
        "notice": None,
        "list_countries": False,
        "csrf_token": csrf_token(request.session),
        **context,
    }
    sent = {"Cache-Control": "no-store", "Content-Language": language, **(headers or {})}
    return templates.TemplateResponse(request, name, full, headers=sent)


def _has_account(visit: Visit) -> bool:
    """A page of an account's own (signed in, or its signup): its switcher posts."""
    return visit.stage in ("signup", "signed-in")


def in_language(language: str) -> dict[str, Any]:
    """What every page needs to be in `language`: its code and direction, and the switcher's list."""
    return {"language": language, "direction": LANGUAGES[language].direction, "languages": LANGUAGES.values()}


class StepResponse(HTMLResponse):
    """A rendered step that, like Starlette's template responses, tells test clients
    which template and context made it."""

    def __init__(
        self,
        template: Template,
        context: dict[str, Any],
        content: str | bytes,
        status: int,
        headers: dict[str, str] | None,
    ):
        self.template, self.context = template, context
        super().__init__(content, status, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if "http.response.debug" in scope.get("extensions", {}):
            await send({"type": "http.response.debug", "info": {"template": self.template, "context": self.context}})
        await super().__call__(scope, receive, send)


def kept_notice(notice: Notice, language: str) -> dict[str, Any]:
    """A notice as the session keeps it for the next GET (said: the session holds text, not a Text)."""
    return {"text": say(notice.text, language), "error": notice.error, "quiet": notice.quiet}


AGAIN = "again"  # the session's key: a form's problems, for the GET a no-JS post was sent to
PREFILL = "prefill"  # the session's key: what a step's form starts with, for its next GET


async def shown_again(
    request: Request,
    step: Step,
    current: Visit,
    *,
    status: int,
    notice: Notice,
    errors: Mapping[str, Text | str],
    values: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """A form shown again with its problems. Without JavaScript, where the step has an
    address of its own to GET (its page, or home when home shows it), the answer is a 303
    there with the problems kept for that one GET (Post/Redirect/Get): reloading the page
    then posts nothing again."""
    address = None if is_htmx(request) else _address_of(request, step, current)
    if address is None:
        return await show(
            request, step, current, status=status, notice=notice, errors=errors, values=values, headers=headers
        )
    language = language_of(request)
    request.session[AGAIN] = {
        "status": status,
        "notice": kept_notice(notice, language),
        "errors": {field: say(text, language) for field, text in errors.items()},
        "values": values,
        "headers": headers,
    }
    return RedirectResponse(address, status_code=303)


def _address_of(request: Request, step: Step, current: Visit) -> str | None:
    if step.page:
        return path_to(request, step.name)
    return path_to(request, "home") if table_of(request).current(current) is step else None


async def show_kept(request: Request, step: Step, current: Visit, notice: Notice | None) -> Response:
    """A step's GET: with the problems a no-JS post left for it (shown_again), if any,
    for this one answer (its status too: the page shows a refused post)."""
    kept = request.session.pop(AGAIN, None)
    if not kept or _address_of(request, step, current) is None:
        prefill = request.session.pop(PREFILL, None)  # what an app already knows (its login_hint)
        return await show(request, step, current, notice=notice, values=prefill)
    # It echoes what was posted beside the form's token, as the post's own answer would:
    # never compressed (components/web/middleware.py: GzipReads; "identity" leaves it as it is).
    headers = {**(kept["headers"] or {}), "Content-Encoding": "identity"}
    return await show(
        request,
        step,
        current,
        status=kept["status"],
        notice=Notice(**kept["notice"]),
        errors=kept["errors"],
        values=kept["values"],
        headers=headers,
    )


async def invalid(request: Request, problem: Invalid) -> Response:
    """The form again with each field's message and what was typed (422)."""
    language = language_of(request)
    problems = " ".join(say(text, language) for text in problem.errors.values())
    notice = Notice(_("There is a problem: %(problems)s", problems=problems), error=True)
    step = action_of(request).on
    return await shown_again(
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
        return await shown_again(
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
    step = action.lands_on or table_of(request).current(visit_after(request.session, result))
    if step not in action.leads_to:
        raise UndeclaredTransition(f"POST {action.path} led to {step.name}, not {[s.name for s in action.leads_to]}")
    return await moved_on(request, result, step)


async def moved_on(request: Request, result: Success, step: Step | None = None) -> Response:
    """The next step after a Success. A browser signed in to a verified account (it has
    passed the code, or been remembered) is known for it; one to remember, remembered. A
    browser that signed in for an app goes on to it."""
    if result.proved and request.session.get(AUTHORIZING):
        response = _leave_for(request, path_to(request, "authorize_resume"))
    else:
        response = await _go_to(request, visit_after(request.session, result), result.notice, step)
    services, user = services_of(request), result.user
    if user and user.verified and result.fresh_session and not result.pending:
        vouch_for_browser(response, services.known, user)
        if result.remember:
            row = await services.remembered_browsers.add(user.id, await _browser(request), services.remembered.max_age)
            vouch_for_browser(response, services.remembered, user, row)
    return response


def _leave_for(request: Request, address: str) -> Response:
    """A whole page elsewhere: htmx is told to go there (HX-Redirect), a plain post is sent."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": address, "Cache-Control": "no-store"})
    return RedirectResponse(address, status_code=303)


async def back_to_current(request: Request, notice: Notice) -> Response:
    """A stale tab or a form that did not apply: this visitor's own step, with a word why."""
    return await _go_to(request, await visit(request), notice)


async def _go_to(request: Request, where: Visit, notice: Notice, step: Step | None = None) -> Response:
    """A fragment that also fixes the URL (htmx), or 303 with the notice kept: to the
    step's own page if it has one, else home."""
    address = path_to(request, step.name if step and step.page else "home")
    if is_htmx(request):
        return await show(
            request, step or table_of(request).current(where), where, notice=notice, headers={"HX-Replace-Url": address}
        )
    request.session["flash"] = kept_notice(notice, language_of(request))
    return RedirectResponse(address, status_code=303)


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
    if result.user is None and result.pending is None:  # signed out, or closed: what an app asked is let go
        session.pop(AUTHORIZING, None)
    browser = await _browser(request) if result.user else UNKNOWN  # only a new record says which browser
    method = "signup" if result.journey == "signup" else " ".join(result.proved)
    # Before the new session's cookie is made: what this browser carried decides whether it is new here.
    new_browser = result.user is not None and not _been_here(request, result.user)
    await start_afresh(session, services.sessions, result.user, now, result.proved, browser=browser, method=method)
    if result.pending:
        hold_pending(session, result.pending, now)
    if result.user and result.journey:
        await devices.signed_in(services, result.user, browser, result.journey, method, new_browser=new_browser)


async def _browser(request: Request) -> Browser:
    """This request's browser, read once."""
    if not hasattr(request.state, "browser"):
        request.state.browser = await browser_of(request.headers.get("User-Agent", ""), address_of(request))
    browser: Browser = request.state.browser
    return browser


def _been_here(request: Request, user: User) -> bool:
    """This browser signed in to the account before (its "known" cookie), or is remembered for it."""
    services, cookies = services_of(request), request.cookies
    known = services.known.vouched(cookies.get(services.known.cookie), user.id)
    return known or services.remembered.vouched(cookies.get(services.remembered.cookie), user.id)
