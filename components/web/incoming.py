"""What every handler reads from a request: the services, the visit (who this
session is and how far it is: web/visits.py) where a step needs one, the
CSRF-checked form, and the client's address."""

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from components.language import COOKIE, chosen
from components.proof_of_work import Proof, Waiting
from components.services import Services
from components.storage.users import User
from components.web.client import address_of as address_of  # read here with the rest of a request
from components.web.csrf import check_csrf
from components.web.visits import Visit, visit

# The forms here have a handful of short fields; anything bigger is not ours.
MAX_FIELDS = 20
MAX_PART_BYTES = 4096
WAITING_KEY = "proof_wait"  # the session's wait for a code that asks for proof of work


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def language_of(request: Request) -> str:
    """The visitor's language: their own choice (a cookie), else their browser's, else English."""
    return chosen(request.cookies.get(COOKIE), request.headers.get("Accept-Language"))


def issuer_of(request: Request) -> str:
    """This provider's name for apps (OpenID Connect's `iss`: Settings.issuer), the same
    whichever address a request came to, and for what the outbox posts without one."""
    return services_of(request).settings.issuer


def is_htmx(request: Request) -> bool:
    """A history restore wants the whole page, even when htmx asks."""
    return request.headers.get("HX-Request") == "true" and "HX-History-Restore-Request" not in request.headers


async def session_user(request: Request) -> User | None:
    """The account this session belongs to (signed in, or its own signup); None for
    anyone else, a sign-in waiting for its code included."""
    current = await visit(request)
    return current.account if current.stage in ("signup", "signed-in") else None


def proof_of(request: Request, form: FormData | None = None) -> Proof:
    """What this browser brings if a code asks for proof of work (components/proof_of_work.py):
    the puzzle it solved (a form's), the wait its session started, its history of entering codes."""
    services = services_of(request)
    solution = form.get("proof", "") if form else ""
    return Proof(
        solution=solution if isinstance(solution, str) else "",
        waiting=waiting_of(request.session),
        history=services.known.ever_vouched(request.cookies.get(services.known.cookie)),
    )


def waiting_of(session: dict[str, Any]) -> Waiting | None:
    """The wait this session started (kept by the code step that asked for proof)."""
    kept = session.get(WAITING_KEY)
    if isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], str) and isinstance(kept[1], (int, float)):
        return kept[0], float(kept[1])
    return None


class NoPendingCode(Exception):
    """A code action came from a session with no code waiting for it."""


async def code_holder(request: Request) -> Visit:
    """The visit of a session with a code waiting for it (its signup's, its sign-in's,
    its reset's, its new number's); anyone else raises NoPendingCode."""
    current = await visit(request)
    if current.code_purpose is None:
        raise NoPendingCode()
    return current


class NotSignedIn(Exception):
    """An account action came from a browser that is not signed in."""


async def signed_in_visit(request: Request) -> Visit:
    """The visit of a browser signed in to a verified account; anyone else raises NotSignedIn."""
    current = await visit(request)
    if current.stage != "signed-in":
        raise NotSignedIn()
    return current


def account_of(current: Visit) -> User:
    """The visit's account, where its step has one (a browser without one: NotSignedIn)."""
    if current.account is None:
        raise NotSignedIn()
    return current.account


async def pending_signup(request: Request) -> User:
    """The session's own unverified signup; anything else raises NoPendingCode."""
    current = await visit(request)
    if current.stage != "signup" or current.account is None:
        raise NoPendingCode()
    return current.account


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matched this session's (else CsrfFailed)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_PART_BYTES)
    check_csrf(request.session, form)
    return form
