"""Who a session belongs to, what stage it is at, and when it stops counting.

The signed cookie holds: `sid` and `uid` (this browser's session record and its
account: a signed-in account, or the account whose signup this is), `iat`,
`seen` and `auth_at` (its age, its last use, and when it last proved the
password), `pending` (a session on its way: a sign-in waiting for its code, a
password reset, a new password to choose), `step` (a step the session holds
itself), the CSRF token and a `flash` notice. A session counts while its
record exists (storage/session_records.py); a pending sign-in or new password,
while the account's session version is the one it was given and the account
still waits for it.
"""

from dataclasses import dataclass
from typing import Any, Literal

from components.flows.results import Pending
from components.storage.users import User
from components.web.csrf import csrf_token

Stage = Literal["anonymous", "signup", "signed-in", "signin-code", "reset-code", "new-password"]
PENDING_STAGES: dict[str, Stage] = {"signin": "signin-code", "password": "new-password"}
STEP_KEY = "step"  # the step a session holds itself, where the account alone does not say


@dataclass(frozen=True)
class Visit:
    """This request's visitor: the account the session is about, and how far it is."""

    account: User | None
    stage: Stage
    held_step: str | None = None  # a step the session holds (routes/steps.py)
    reset: Pending | None = None  # a password reset under way (the same for every email)
    auth_at: float = 0.0

    @property
    def code_purpose(self) -> str | None:
        """What a code typed now would be for, when the visitor is at a code."""
        if self.stage == "reset-code":
            return "reset"
        challenge = self.account.challenge if self.account else None
        if self.stage in ("signup", "signin-code") and challenge:
            return challenge
        if self.stage == "signed-in" and challenge == "number":
            return "number"
        return None


ANONYMOUS = Visit(None, "anonymous")


def stage_of(account: User | None, pending: str | None = None) -> Stage:
    if pending == "reset":
        return "reset-code"  # whether or not the email has an account
    if account is None:
        return "anonymous"
    if pending:
        return PENDING_STAGES[pending] if account.challenge == pending else "anonymous"
    return "signed-in" if account.verified else "signup"


def start_session(session: dict[str, Any], user: User | None, token: str | None, now: float) -> None:
    """A new identity gets a new session: old tokens and state are dropped. It has
    just proved itself (a password, or a code after one), hence `auth_at`."""
    session.clear()
    if user is not None:
        session.update(sid=token, uid=user.id, iat=now, seen=now, auth_at=now)
    csrf_token(session)


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
    }


def pending_of(session: dict[str, Any]) -> Pending | None:
    """The way the session is on, without its account (loaded by the caller)."""
    held = session.get("pending")
    if not held:
        return None
    return Pending(held["for"], email=held.get("email", ""), wrong=held.get("wrong", 0))


def hold_step(session: dict[str, Any], name: str | None) -> None:
    """The step the session is at from now on (None: whatever its account's state shows)."""
    if name:
        session[STEP_KEY] = name
    else:
        session.pop(STEP_KEY, None)


def session_lapsed(session: dict[str, Any], now: float, *, idle: float, lifetime: float) -> bool:
    """Idle too long, or simply too old."""
    return bool(now - session.get("seen", 0) > idle or now - session.get("iat", 0) > lifetime)
