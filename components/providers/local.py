"""The app makes and checks codes itself and sends them through an SMS sender.

Codes are stored only as an HMAC keyed by the app secret and bound to the
signup and its number; compared in constant time; single use.
"""

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.language import say
from components.providers.interface import (
    Approved,
    Channel,
    CheckOutcome,
    Expired,
    Message,
    SendFailed,
    Sent,
    SmsSender,
    StartOutcome,
    TooManyAttempts,
    WrongCode,
)
from components.purposes import Purpose
from components.storage.database import pending_codes
from components.storage.prepared import P, Statement, bound, insert_for
from components.storage.users import User
from components.text import N_, _

log = logging.getLogger(__name__)
CODE_DIGITS = 6


# The statements: storage/prepared.py builds and compiles each once per database.
def _replace_code(dialect: str, user_id: P, code_hash: P, expires_at: P) -> Any:  # either dialect's Insert
    new = insert_for(dialect)(pending_codes).values(
        user_id=user_id, code_hash=code_hash, expires_at=expires_at, attempts=0
    )
    replaced = ("code_hash", "expires_at", "attempts")
    return new.on_conflict_do_update(
        index_elements=["user_id"], set_={column: new.excluded[column] for column in replaced}
    )


def _code(user_id: P) -> Statement:
    return pending_codes.select().where(pending_codes.c.user_id == user_id)


def _cancel(user_id: P) -> Statement:
    return pending_codes.delete().where(pending_codes.c.user_id == user_id)


def _live(user_id: P, code_hash: P, most: P) -> tuple[sa.ColumnElement[bool], ...]:
    """The code as read, still with tries left."""
    c = pending_codes.c
    return (c.user_id == user_id, c.code_hash == code_hash, c.attempts < most)


def _use(user_id: P, code_hash: P, most: P) -> Statement:
    return pending_codes.delete().where(*_live(user_id, code_hash, most)).returning(pending_codes.c.user_id)


def _count_wrong(user_id: P, code_hash: P, most: P) -> Statement:
    return (
        pending_codes.update()
        .where(*_live(user_id, code_hash, most))
        .values(attempts=pending_codes.c.attempts + 1)
        .returning(pending_codes.c.attempts)
    )


# What each code's text says it is for (NIST SP 800-63B-4: a code names its purpose).
TEXTS: dict[Purpose, str] = {
    "signup": N_("Your %(app)s verification code is %(code)s."),
    "signin": N_("Your %(app)s sign-in code is %(code)s."),
    "reset": N_("Your %(app)s password reset code is %(code)s."),
    "number": N_("Your code to change your %(app)s number is %(code)s."),
}
CALLS: dict[Purpose, str] = {
    "signup": N_("Your %(app)s verification code is %(code)s. Again: %(code)s."),
    "signin": N_("Your %(app)s sign-in code is %(code)s. Again: %(code)s."),
    "reset": N_("Your %(app)s password reset code is %(code)s. Again: %(code)s."),
    "number": N_("Your code to change your %(app)s number is %(code)s. Again: %(code)s."),
}


def code_text(app_name: str, host: str, code: str, language: str, purpose: Purpose = "signup") -> str:
    """Sentence first, in the account's language, saying what the code is for; the last
    line lets browsers offer the code only on our site (its format is fixed, whatever the language)."""
    sentence = say(_(TEXTS[purpose], app=app_name, code=code), language)
    return f"{sentence}\n\n@{host} #{code}"


def call_text(app_name: str, code: str, language: str, purpose: Purpose = "signup") -> str:
    spoken = ", ".join(code)
    return say(_(CALLS[purpose], app=app_name, code=spoken), language)


def _purpose(user: User) -> Purpose:
    """What the account's live code is for (a signup's, when nothing else)."""
    challenge = user.challenge
    return "signup" if challenge is None or challenge == "password" else challenge


class LocalVerifier:
    channels: tuple[Channel, ...]  # declared here: mutmut's copies of __init__ would each declare it again

    def __init__(
        self,
        db: Database,
        sender: SmsSender,
        *,
        secret: str,
        app_name: str,
        host: str,
        ttl_seconds: int,
        max_attempts: int,
        clock: Callable[[], float],
    ) -> None:
        self.db = db
        self.sender = sender
        self.key = hashlib.sha256(b"verification-code:" + secret.encode()).digest()
        self.app_name = app_name
        self.host = host
        self.ttl = ttl_seconds
        self.max_attempts = max_attempts
        self.clock = clock
        self.channels = ("sms", "call") if sender.can_call else ("sms",)

    def _hash(self, user: User, code: str) -> str:
        message = f"{user.id}:{user.phone}:{code}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    async def start(self, user: User, channel: Channel) -> StartOutcome:
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        await self._store(user, code)
        purpose = _purpose(user)
        if channel == "call":
            message = Message(user.phone, call_text(self.app_name, code, user.language, purpose), "call")
        else:
            message = Message(user.phone, code_text(self.app_name, self.host, code, user.language, purpose))
        try:
            receipt = await self.sender.send(message)
        except SendFailed as error:
            log.warning("code not sent: user=%s channel=%s reason=%s", user.id, channel, error)
            await self.cancel(user)
            return error.outcome
        return Sent(channel, receipt if channel == "sms" else None)  # a call's status is not shown

    async def _store(self, user: User, code: str) -> None:
        """Insert or replace: the previous code of this signup dies here."""
        await self.db.execute(
            bound(_replace_code, user_id=user.id, code_hash=self._hash(user, code), expires_at=self.clock() + self.ttl)
        )

    async def check(self, user: User, code: str) -> CheckOutcome:
        row = await self.db.fetch_one(bound(_code, user_id=user.id))
        if row is None or row["expires_at"] <= self.clock():
            return Expired()
        if row["attempts"] >= self.max_attempts:
            return TooManyAttempts()
        live = {"user_id": user.id, "code_hash": row["code_hash"], "most": self.max_attempts}
        if hmac.compare_digest(self._hash(user, code), row["code_hash"]):
            # Conditional delete: of two requests with the right code, one wins.
            used = await self.db.fetch_one(bound(_use, **live))
            return Approved() if used else Expired()
        counted = await self.db.fetch_one(bound(_count_wrong, **live))
        if counted is None:
            return TooManyAttempts()
        left = self.max_attempts - counted["attempts"]
        return WrongCode(left) if left > 0 else TooManyAttempts()

    async def cancel(self, user: User) -> None:
        await self.db.execute(bound(_cancel, user_id=user.id))
