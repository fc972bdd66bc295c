"""GET /language/<code>: the language switcher's links. The choice is kept in a
cookie for a year, and the texts of the session's account (signed in, or its own
signup) follow it from then on. The answer goes back to the page the link was on
(only a path of this site: never an open redirect)."""

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from components.durations import YEAR
from components.language import COOKIE, LANGUAGES
from components.web.incoming import services_of, session_user
from components.web.step_table import path_to


async def choose_language(request: Request) -> Response:
    code = request.path_params["code"]
    if code not in LANGUAGES:
        return RedirectResponse(path_to(request, "home"), status_code=303)
    user = await session_user(request)
    if user and user.language != code:  # a preference: harmless to set twice
        await services_of(request).users.set_language(user.id, code)
    response = RedirectResponse(_back(request), status_code=303)
    secure = services_of(request).settings.production
    response.set_cookie(COOKIE, code, max_age=YEAR, path="/", secure=secure, httponly=True, samesite="lax")
    return response


def _back(request: Request) -> str:
    """The page the switcher was on, from Referer (sent for our own pages: Referrer-Policy
    same-origin); home instead of another of the switcher's own links."""
    referer = urlsplit(request.headers.get("Referer", ""))
    ours = referer.netloc == request.url.netloc and referer.path.startswith("/") and not referer.path.startswith("//")
    switcher = request.url.path.rsplit("/", 1)[0] + "/"
    return referer.path if ours and not referer.path.startswith(switcher) else path_to(request, "home")
