"""Who a session belongs to, and when it stops counting.

The signed cookie holds only the account id, the account's session version
(bumped at sign-out everywhere), times, the CSRF token and the step state.
"""

from components.storage.users import User
from components.web.csrf import csrf_token


def start_session(session: dict, user: User | None, now: float) -> None:
    """A new identity gets a new session: old tokens and state are dropped."""
    session.clear()
    if user is not None:
        session.update(uid=user.id, ver=user.session_version, iat=now, seen=now)
    csrf_token(session)


def session_lapsed(session: dict, user: User, now: float, *, idle: float, lifetime: float) -> bool:
    """Signed out elsewhere, idle too long, or simply too old."""
    return (
        session.get("ver") != user.session_version
        or now - session.get("seen", 0) > idle
        or now - session.get("iat", 0) > lifetime
    )
