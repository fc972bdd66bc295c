"""What every handler reads from a request: the services, the session's account
(loaded once per request), the CSRF-checked form, and the client's address."""

from starlette.datastructures import FormData
from starlette.requests import Request

from components.services import Services
from components.storage.users import User
from components.web.addresses import client_address
from components.web.csrf import check_csrf
from components.web.sessions import session_lapsed, start_session

# The forms here have a handful of short fields; anything bigger is not ours.
MAX_FIELDS = 20
MAX_PART_BYTES = 4096


def services(request: Request) -> Services:
    return request.app.state.services


def is_htmx(request: Request) -> bool:
    """A history restore wants the whole page, even when htmx asks."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


async def session_user(request: Request) -> User | None:
    """The account this session belongs to, while the session is still good.
    Loaded once per request: the handler and the render seam share it."""
    if not hasattr(request.state, "user"):
        request.state.user = await _load_session_user(request)
    return request.state.user


async def _load_session_user(request: Request) -> User | None:
    user_id = request.session.get("uid")
    if user_id is None:
        return None
    app = services(request)
    now = app.clock()
    user = await app.users.get(user_id)
    if user is None or session_lapsed(
        request.session, user, now,
        idle=app.settings.session_idle_seconds, lifetime=app.settings.session_max_age_seconds,
    ):
        start_session(request.session, None, now)
        return None
    request.session["seen"] = now
    return user


def origin(request: Request) -> str:
    """Who is asking, for per-address limits."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    return client_address(peer, forwarded, services(request).settings.trusted_proxies)


class NoPendingSignup(Exception):
    """A code action came from a session with no signup waiting for a code."""


async def pending_user(request: Request) -> User:
    """The session's unverified signup; anything else raises NoPendingSignup."""
    user = await session_user(request)
    if user is None or user.verified:
        raise NoPendingSignup()
    return user


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched this session's (else CsrfFailed)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES)
    check_csrf(request.session, form)
    return form
