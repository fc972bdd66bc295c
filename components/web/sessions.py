"""The session cookie: who it belongs to, when it stops counting, and how it is
made over when its identity changes; and the "remember this browser" cookie.

The signed cookie holds: `sid` and `uid` (this browser's session record and its
account: a signed-in account, or the account whose signup this is), `iat`,
`seen`, `synced` and `auth_at` (its age, its last use, when its record last noted
that use, and when it last proved the password), `amr` (what that sign-in proved: RFC 8176's names), `pending` (a session on its way: web/visits.py), `step` (a step the
session holds itself), the CSRF token, a `flash` notice, and `authorizing` (the key of an app's request
that this browser signs in for: components/storage/authorization_requests.py). A session counts
while its record exists (storage/session_records.py).
"""

import secrets
from typing import Any

from starlette.responses import Response

from components.browsers import UNKNOWN, Browser
from components.remembered_browsers import RememberedBrowsers
from components.storage.session_records import SessionRecords
from components.storage.users import User
from components.web.csrf import csrf_token

SYNCED_KEY = "synced"  # when the session record last noted this browser's use (web/visits.py)
STEP_KEY = "step"  # the step a session holds itself, where the account alone does not say


AUTHORIZING = "authorizing"
OFFER_PASSKEY = "offer_passkey"  # a signup just verified: its account page offers a passkey, once
CARRIED = (AUTHORIZING, OFFER_PASSKEY)  # what a session made afresh keeps of the old one


def start_session(
    session: dict[str, Any], user: User | None, token: str | None, now: float, proved: tuple[str, ...] = ()
) -> None:
    """A new identity gets a new session: old tokens and state are dropped. It has
    just proved itself (`proved`: a password, or a code after one), hence `auth_at`."""
    session.clear()
    if user is not None:
        session.update(sid=token, uid=user.id, iat=now, seen=now, auth_at=now, amr=list(proved))
        session[SYNCED_KEY] = now  # the record was just made
    csrf_token(session)


async def start_afresh(
    session: dict[str, Any],
    records: SessionRecords,
    user: User | None,
    now: float,
    proved: tuple[str, ...] = (),
    *,
    browser: Browser = UNKNOWN,
    method: str = "",
) -> None:
    """A new identity (or a privilege change): the old session is retired, its cookie
    stops working (copies included), and a new one starts for `user` (None: nobody).
    An app's request the browser is signing in for carries on (so does a passkey offer);
    a new password keeps what the sign-in proved. A new record says which `browser` it is
    and how it signed in (`method`), for the owner's devices page."""
    old, old_user = session.get("sid"), session.get("uid")
    carried = {key: session[key] for key in CARRIED if key in session and (user or key == AUTHORIZING)}
    if not proved and user and old_user == user.id:
        proved = tuple(session.get("amr", ()))
    token = None
    if old and user and old_user == user.id:  # the same account: its record under a new token (one statement)
        token = await records.rotate(old)
    elif old:
        await records.close(old)
    if token is None and user:  # a new account, or the record was closed already (all of the account's)
        token = await records.open(user.id, browser, method or " ".join(proved))
    start_session(session, user, token, now, proved)
    session.update(carried)


PASSKEY_KEY = "pk"  # the session's key: binds the WebAuthn challenges it asked for (flows/passkeys.py)


def passkey_session_key(session: dict[str, Any]) -> str:
    """This browser's key for its passkey challenges: a challenge made for it works only with it."""
    if PASSKEY_KEY not in session:
        session[PASSKEY_KEY] = secrets.token_urlsafe(24)
    return str(session[PASSKEY_KEY])


def hold_step(session: dict[str, Any], name: str | None) -> None:
    """The step the session is at from now on (None: whatever its account's state shows)."""
    if name:
        session[STEP_KEY] = name
    else:
        session.pop(STEP_KEY, None)


def session_lapsed(session: dict[str, Any], now: float, *, idle: float, lifetime: float) -> bool:
    """Idle too long, or simply too old."""
    return bool(now - session.get("seen", 0) > idle or now - session.get("iat", 0) > lifetime)


def vouch_for_browser(response: Response, tokens: RememberedBrowsers, user: User, row: str | None = None) -> None:
    """This browser is remembered (its `row`), or known, for the account (until its sessions end)."""
    response.set_cookie(
        tokens.cookie,
        tokens.token(user.id, user.session_version, row),
        max_age=tokens.max_age,
        path="/",
        secure=tokens.secure,
        httponly=True,
        samesite="lax",
    )
