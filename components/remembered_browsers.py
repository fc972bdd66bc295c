"""Browsers an account has vouched for, as signed tokens (each cookie's name beside it):

- remembered: "don't ask for a code on this browser", when its owner ticked it;
- known: a browser that passed the second factor for the account (a right code,
  or a remembered browser's sign-in): its right password is not throttled by
  strangers' wrong ones for the email (OWASP's device cookies).

Each is bound to one account and to its session version, so "sign out
everywhere" and a password change revoke them all at once. Their age is read
off the app's clock (itsdangerous would read the system's), so they end when
the app says."""

import secrets
from collections.abc import Callable
from typing import Literal

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from components.durations import DAY

Kind = Literal["remember", "known"]
SALTS: dict[Kind, str] = {"remember": "remembered-browser", "known": "known-browser"}


class RememberedBrowsers:
    def __init__(
        self, secret: str, days: int, *, production: bool, clock: Callable[[], float], kind: Kind = "remember"
    ) -> None:
        class OnTheAppsClock(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        self.serializer = URLSafeTimedSerializer(secret, salt=SALTS[kind], signer=OnTheAppsClock)
        self.max_age = days * DAY
        # Over HTTPS: Secure, and __Host- so no subdomain can set or scope it.
        self.cookie = f"__Host-{kind}" if production else kind
        self.secure = production

    def token(self, user_id: int, session_version: int, row: str | None = None) -> str:
        """A token of this browser's own: two browsers vouched for in the same second
        differ, so what is counted against one (its wrong passwords) is not the other's.
        A remembered browser's names its row (storage/remembered_browser_records.py)."""
        return self.serializer.dumps([user_id, session_version, row or secrets.token_urlsafe(8)])

    def row(self, token: str | None, user_id: int, session_version: int) -> str | None:
        """The row a token of this account (and of its sessions now) names, if it is in time."""
        try:
            named_id, version, row = self.serializer.loads(token or "", max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return None
        return str(row) if (named_id, version) == (user_id, session_version) else None

    def vouched(self, token: str | None, user_id: int) -> bool:
        """This browser was vouched for the account within `days`, whether or not its
        sessions have ended since: it has signed in to the account before."""
        try:
            named_id, *_ = self.serializer.loads(token or "", max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return False
        return bool(named_id == user_id)

    def remembered(self, token: str | None, user_id: int, session_version: int) -> bool:
        """True when this browser was vouched for this account, and still is (a token
        from before they were a browser's own, without its last part, still counts)."""
        if not token:
            return False
        try:
            remembered_id, version, *_ = self.serializer.loads(token, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return False
        return (remembered_id, version) == (user_id, session_version)

    def ever_vouched(self, token: str | None) -> bool:
        """True when this browser was vouched for some account within `days` (revoked
        since or not): it has a history of entering codes (flows/sending.py)."""
        if not token:
            return False
        try:
            self.serializer.loads(token, max_age=self.max_age)
        except BadSignature:
            return False
        return True
