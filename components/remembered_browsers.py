"""The "don't ask for a code on this browser" token (its cookie's name beside it):
signed, bound to one account and to its session version, so "sign out
everywhere" and a password change revoke every remembered browser at once. Its
age is read off the app's clock (itsdangerous would read the system's), so it
ends when the app says."""

from collections.abc import Callable

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from components.durations import DAY


class RememberedBrowsers:
    def __init__(self, secret: str, days: int, *, production: bool, clock: Callable[[], float]) -> None:
        class OnTheAppsClock(TimestampSigner):
            def get_timestamp(self) -> int:
                return int(clock())

        self.serializer = URLSafeTimedSerializer(secret, salt="remembered-browser", signer=OnTheAppsClock)
        self.max_age = days * DAY
        # Over HTTPS: Secure, and __Host- so no subdomain can set or scope it.
        self.cookie = "__Host-remember" if production else "remember"
        self.secure = production

    def token(self, user_id: int, session_version: int) -> str:
        return self.serializer.dumps([user_id, session_version])

    def remembered(self, token: str | None, user_id: int, session_version: int) -> bool:
        """True when this browser was remembered for this account, and still is."""
        if not token:
            return False
        try:
            remembered_id, version = self.serializer.loads(token, max_age=self.max_age)
        except (BadSignature, ValueError, TypeError):
            return False
        return (remembered_id, version) == (user_id, session_version)
