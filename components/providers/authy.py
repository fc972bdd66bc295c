"""The legacy Authy API (closed to new customers): register the user once,
then Authy sends and checks its own tokens."""

from typing import Any

from databases import Database

from components.phones import split
from components.providers.http import ProviderHttp, Reply, refusal
from components.providers.interface import (
    Approved,
    Channel,
    CheckOutcome,
    Expired,
    RateLimited,
    Sent,
    StartOutcome,
    Unavailable,
    WrongCode,
)
from components.purposes import Purpose
from components.storage.database import authy_users, insert
from components.storage.users import User

USER_NOT_FOUND = "60026"
TOKEN_INVALID = "60020"
TOKEN_REUSED = "60019"


class AuthyVerifier:
    channels: tuple[Channel, ...] = ("sms", "call")

    def __init__(self, http: ProviderHttp, db: Database, *, api_key: str, base_url: str) -> None:
        self.http = http
        self.db = db
        self.base = f"{base_url.rstrip('/')}/protected/json"
        self.headers = {"X-Authy-API-Key": api_key}

    async def start(self, user: User, channel: Channel, purpose: Purpose | None = None) -> StartOutcome:
        reply = await self._send(user, channel, await self._authy_id(user))
        if reply.error_code == USER_NOT_FOUND:  # deleted at Authy: register again, once
            await self._forget(user)
            reply = await self._send(user, channel, await self._authy_id(user))
        return Sent(channel) if reply.status == 200 else refusal(reply)

    async def _send(self, user: User, channel: Channel, authy_id: int | Reply) -> Reply:
        if isinstance(authy_id, Reply):
            return authy_id
        # force=true: text even when the user has the Authy app; a send is never retried.
        return await self.http.call(
            f"{channel}.send",
            "GET",
            f"{self.base}/{channel}/{authy_id}",
            retry="rate_limit",
            params={"force": "true", "locale": user.language},  # the text's or the call's language
            headers=self.headers,
        )

    async def check(self, user: User, code: str, purpose: Purpose | None = None) -> CheckOutcome:
        row = await self._registration(user)
        if row is None:
            return Expired()
        reply = await self.http.call(
            "token.verify",
            "GET",
            f"{self.base}/verify/{code}/{row['authy_id']}",
            retry="transient",
            params={"force": "true"},
            headers=self.headers,
        )
        if reply.status == 200 and reply.body.get("token") == "is valid":
            return Approved()
        if reply.error_code == TOKEN_INVALID:
            return WrongCode(attempts_left=None)
        if reply.error_code in (TOKEN_REUSED, USER_NOT_FOUND):
            return Expired()
        if reply.status == 429:
            return RateLimited(reply.retry_after or 60)
        return Unavailable()

    async def cancel(self, user: User, purpose: Purpose | None = None) -> None:
        """Authy cannot withdraw a token it sent; a new number registers a new id."""

    async def _registration(self, user: User) -> Any:
        row = await self.db.fetch_one(authy_users.select().where(authy_users.c.user_id == user.id))
        return row if row and row["phone"] == user.phone else None

    async def _authy_id(self, user: User) -> int | Reply:
        """The Authy id for this number: reused, or registered now (idempotent at Authy)."""
        row = await self._registration(user)
        if row:
            return int(row["authy_id"])
        country_code, national = split(user.phone)
        reply = await self.http.call(
            "users.new",
            "POST",
            f"{self.base}/users/new",
            retry="transient",
            headers=self.headers,
            data={"user[email]": user.email, "user[cellphone]": national, "user[country_code]": str(country_code)},
        )
        authy_id = reply.body.get("user", {}).get("id") if reply.status == 200 else None
        if not isinstance(authy_id, int):
            return reply if reply.status != 200 else Reply(502, error_code="no-user-id")
        statement = insert(self.db, authy_users).values(user_id=user.id, authy_id=authy_id, phone=user.phone)
        await self.db.execute(
            statement.on_conflict_do_update(
                index_elements=["user_id"],
                set_={"authy_id": authy_id, "phone": user.phone},
            )
        )
        return authy_id

    async def _forget(self, user: User) -> None:
        await self.db.execute(authy_users.delete().where(authy_users.c.user_id == user.id))
