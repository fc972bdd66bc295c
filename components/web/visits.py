"""Who a request's visitor is and how far they are: the session's account and its
stage (anonymous, signup, signin-code, reset-code, new-password, signed-in).

One function builds a visit, from what the session holds and the account it
names: at the start of a request (read once, shared by the handler and the
render seam), and after a Success, from what the flow left, to find the step it
leads to. A session on its way (`pending`: a sign-in waiting for its code, a
reset, a new password to choose) belongs to nobody yet; it counts while the
account's session version is the one it was given and the account still waits
for it.
"""

from dataclasses import dataclass
from typing import Any, Literal

from starlette.requests import Request

from components.browsers import network_of
from components.flows.devices import SEEN_EVERY
from components.flows.results import Pending, Success, Way
from components.purposes import Purpose
from components.services import Services
from components.storage.users import User
from components.web.client import address_of
from components.web.sessions import STEP_KEY, SYNCED_KEY, session_lapsed, start_session

Stage = Literal["anonymous", "signup", "signed-in", "signin-code", "reset-code", "new-password"]
PENDING_STAGES: dict[Way, Stage] = {"signin": "signin-code", "password": "new-password"}


@dataclass(frozen=True)
class Visit:
    """This request's visitor: the account the session is about, and how far it is."""

    account: User | None
    stage: Stage
    held_step: str | None = None  # a step the session holds (routes/steps.py)
    reset: Pending | None = None  # a password reset under way (the same for every email)
    auth_at: float = 0.0  # when this browser last proved the password

    @property
    def code_purpose(self) -> Purpose | None:
        """What a code typed now would be for, when the visitor is at a code."""
        if self.stage == "reset-code":
            return "reset"
        challenge = self.account.challenge if self.account else None
        if self.stage == "signup" and challenge == "signup":
            return "signup"
        if self.stage == "signin-code" and challenge == "signin":
            return "signin"
        if self.stage == "signed-in" and challenge in ("current-number", "number", "number-later"):
            return challenge
        return None


ANONYMOUS = Visit(None, "anonymous")
ENDED_ELSEWHERE = "ended"  # the session's key: its sign-in was ended by another browser (web/pages.py says so)


def stage_of(account: User | None, pending: Way | None = None) -> Stage:
    if pending == "reset":
        return "reset-code"  # whether or not the email has an account
    if account is None:
        return "anonymous"
    if pending:
        return PENDING_STAGES[pending] if account.challenge == pending else "anonymous"
    return "signed-in" if account.verified else "signup"


def _visit(session: dict[str, Any], account: User | None, pending: Pending | None) -> Visit:
    """The one way a visit is made: the account (or a session on its way) and the session's own state."""
    stage = stage_of(account, pending.purpose if pending else None)
    return Visit(
        account,
        stage,
        held_step=session.get(STEP_KEY),
        reset=pending if stage == "reset-code" else None,
        auth_at=session.get("auth_at", 0.0),
    )


async def visit(request: Request) -> Visit:
    """Who this session is, read once per request: the handler and the render seam share it."""
    if not hasattr(request.state, "visit"):
        request.state.visit = await _load(request.session, request.app.state.services)
        if request.state.visit.stage == "signed-in":
            await _seen(request, request.app.state.services)
    current: Visit = request.state.visit
    return current


async def _seen(request: Request, services: Services) -> None:
    """The session record's "last seen" and network, written at most every SEEN_EVERY seconds
    (the cookie says when it last was), not on every request."""
    session, now = request.session, services.clock()
    if now - session.get(SYNCED_KEY, 0) > SEEN_EVERY:
        await services.sessions.seen(str(session.get("sid")), network_of(address_of(request)))
        session[SYNCED_KEY] = now


def visit_after(session: dict[str, Any], result: Success) -> Visit:
    """The visit as a Success left it (the session already made over for it)."""
    pending = result.pending
    return _visit(session, pending.user if pending else result.user, pending)


async def _load(session: dict[str, Any], services: Services) -> Visit:
    if "uid" not in session and "pending" not in session:
        return ANONYMOUS
    now, settings = services.clock(), services.settings
    if session_lapsed(session, now, idle=settings.session_idle_seconds, lifetime=settings.session_max_age_seconds):
        return _ended(session, now)
    pending = pending_of(session)
    if pending is None:
        account = await services.sessions.account(str(session.get("sid")), session["uid"])
        if account is None:  # its record ended elsewhere: signed out everywhere, a new password, closed
            still_there = await services.users.get(session["uid"]) is not None
            _ended(session, now)
            if still_there:  # a closed account has nothing to sign in to again
                session[ENDED_ELSEWHERE] = True
            return ANONYMOUS
    elif pending.purpose == "reset":  # the account, if the email has a verified one
        account = await services.users.by_email(pending.email)
        account = account if account and account.verified else None
    else:
        account = await services.users.get(session["pending"]["uid"])
        if account and account.session_version != session["pending"]["ver"]:
            account = None
    current = _visit(session, account, pending)
    if current.stage == "anonymous":
        return _ended(session, now)
    session["seen"] = now
    return current


def _ended(session: dict[str, Any], now: float) -> Visit:
    start_session(session, None, None, now)
    return ANONYMOUS


def password_needed(services: Services, current: Visit) -> bool:
    """Past REAUTH_SECONDS since this browser proved the password: sensitive changes ask again."""
    return services.clock() - current.auth_at > services.settings.reauth_seconds


def hold_pending(session: dict[str, Any], pending: Pending, now: float) -> None:
    """On its way, not signed in. One shape for every purpose and every email."""
    session.update(iat=now, seen=now)
    keep_pending(session, pending)


def keep_pending(session: dict[str, Any], pending: Pending) -> None:
    user = pending.user
    session["pending"] = {
        "for": pending.purpose,
        "uid": user.id if user else None,
        "ver": user.session_version if user else None,
        "email": pending.email,
        "wrong": pending.wrong,
        "nonce": pending.nonce,
    }


def pending_of(session: dict[str, Any]) -> Pending | None:
    """The way the session is on, without its account (loaded by the caller)."""
    held = session.get("pending")
    if not held:
        return None
    return Pending(held["for"], email=held.get("email", ""), wrong=held.get("wrong", 0), nonce=held.get("nonce", ""))
