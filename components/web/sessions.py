"""Who a session belongs to, what stage it is at, and when it stops counting.

The signed cookie holds: `sid` and `uid` (this browser's session record and its
account: a signed-in account, or the account whose signup this is), `iat` and
`seen` (its age and last use), `pending` (an account partway through signing
in: password given, code not yet), `step` (a step the session holds itself),
the CSRF token and a `flash` notice. A session counts while its record exists
(storage/session_records.py); a pending sign-in, while the account's session
version is the one it was given.
"""

from dataclasses import dataclass
from typing import Literal

from components.storage.users import User
from components.web.csrf import csrf_token

Stage = Literal["anonymous", "signup", "signed-in", "signin-code"]


@dataclass(frozen=True)
class Visit:
    """This request's visitor: the account the session is about, and how far it is."""

    account: User | None
    stage: Stage
    held_step: str | None = None  # a step the session holds (routes/steps.py)

    @property
    def code_purpose(self) -> str | None:
        """What a code typed now would be for, when the visitor is at a code."""
        if self.stage in ("signup", "signin-code") and self.account and self.account.challenge:
            return self.account.challenge
        return None


ANONYMOUS = Visit(None, "anonymous")


def stage_of(account: User | None, *, pending: bool = False) -> Stage:
    if account is None:
        return "anonymous"
    if pending:
        return "signin-code" if account.challenge == "signin" else "anonymous"
    return "signed-in" if account.verified else "signup"


def start_session(session: dict, user: User | None, token: str | None, now: float) -> None:
    """A new identity gets a new session: old tokens and state are dropped."""
    session.clear()
    if user is not None:
        session.update(sid=token, uid=user.id, iat=now, seen=now)
    csrf_token(session)


def hold_pending(session: dict, user: User, now: float) -> None:
    """Password given, code not yet: the session is not signed in, only on its way."""
    session.update(pending={"uid": user.id, "ver": user.session_version}, iat=now, seen=now)


def session_lapsed(session: dict, now: float, *, idle: float, lifetime: float) -> bool:
    """Idle too long, or simply too old."""
    return now - session.get("seen", 0) > idle or now - session.get("iat", 0) > lifetime
