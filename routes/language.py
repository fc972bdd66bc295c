"""The language switcher. Its links (a GET) choose the page's language, kept in a
cookie for a year. A page with an account (signed in, or its own signup) posts
a form instead, with the CSRF token: only that changes the language the
account's texts are sent in (a link from another site could otherwise make
them UCS-2, at twice the cost, and unreadable to their owner). Either answer
goes back to the page the switcher was on (only a path of this site: never an
open redirect)."""

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.durations import YEAR
from components.language import COOKIE, LANGUAGES
from components.web.incoming import checked_form, services_of, session_user
from components.web.step_table import path_to


async def choose_language(request: Request) -> Response:
    """A link: this browser's pages from now on."""
    return _chosen(request, request.path_params["code"])


async def set_account_language(request: Request) -> Response:
    """A form: this browser's pages, and the texts of the session's account."""
    code = (await checked_form(request)).get("language")
    user = await session_user(request)
    if user and code in LANGUAGES and user.language != code:  # a preference: harmless to set twice
        await services_of(request).users.set_language(user.id, str(code))
    return _chosen(request, code)


def _chosen(request: Request, code: object) -> Response:
    if not isinstance(code, str) or code not in LANGUAGES:
        return RedirectResponse(path_to(request, "home"), status_code=303)
    response = RedirectResponse(_back(request), status_code=303)
    secure = services_of(request).settings.production
    response.set_cookie(COOKIE, code, max_age=YEAR, path="/", secure=secure, httponly=True, samesite="lax")
    return response


def _back(request: Request) -> str:
    """The page the switcher was on, from Referer (sent for our own pages: Referrer-Policy
    same-origin); home instead of another of the switcher's own links."""
    referer = urlsplit(request.headers.get("Referer", ""))
    ours = referer.netloc == request.url.netloc and referer.path.startswith("/") and not referer.path.startswith("//")
    switcher = path_to(request, "set_account_language")
    back = ours and referer.path != switcher and not referer.path.startswith(switcher + "/")
    return referer.path if back else path_to(request, "home")
