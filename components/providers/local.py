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
from components.storage.database import pending_codes, reset_codes
from components.storage.prepared import P, Statement, bound, insert_for
from components.storage.users import User
from components.text import N_, _

log = logging.getLogger(__name__)
CODE_DIGITS = 6


# The statements: storage/prepared.py builds and compiles each once per database.
def _upsert(dialect: str, table: sa.Table, **values: Any) -> Any:  # either dialect's Insert
    new = insert_for(dialect)(table).values(**values)
    replaced = {column: new.excluded[column] for column in values if column != "user_id"}
    return new.on_conflict_do_update(index_elements=["user_id"], set_=replaced)


def _replace_code(dialect: str, user_id: P, code_hash: P, expires_at: P) -> Any:
    return _upsert(dialect, pending_codes, user_id=user_id, code_hash=code_hash, expires_at=expires_at, attempts=0)


def _replace_reset_code(dialect: str, user_id: P, code_hash: P, expires_at: P) -> Any:
    return _upsert(dialect, reset_codes, user_id=user_id, code_hash=code_hash, expires_at=expires_at)


def _code(user_id: P) -> Statement:
    return pending_codes.select().where(pending_codes.c.user_id == user_id)


def _reset_code(user_id: P) -> Statement:
    return reset_codes.select().where(reset_codes.c.user_id == user_id)


def _cancel(user_id: P) -> Statement:
    return pending_codes.delete().where(pending_codes.c.user_id == user_id)


def _cancel_reset(user_id: P) -> Statement:
    return reset_codes.delete().where(reset_codes.c.user_id == user_id)


def _use_reset(user_id: P, code_hash: P) -> Statement:
    c = reset_codes.c
    return reset_codes.delete().where(c.user_id == user_id, c.code_hash == code_hash).returning(c.user_id)


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
    "current-number": N_("Your %(app)s code to approve a new number is %(code)s."),
    "number": N_("Your code to change your %(app)s number is %(code)s."),
    "number-later": N_("Your code to change your %(app)s number is %(code)s."),
}
CALLS: dict[Purpose, str] = {
    "signup": N_("Your %(app)s verification code is %(code)s. Again: %(code)s."),
    "signin": N_("Your %(app)s sign-in code is %(code)s. Again: %(code)s."),
    "reset": N_("Your %(app)s password reset code is %(code)s. Again: %(code)s."),
    "current-number": N_("Your %(app)s code to approve a new number is %(code)s. Again: %(code)s."),
    "number": N_("Your code to change your %(app)s number is %(code)s. Again: %(code)s."),
    "number-later": N_("Your code to change your %(app)s number is %(code)s. Again: %(code)s."),
}


def code_text(app_name: str, host: str, code: str, language: str, purpose: Purpose = "signup") -> str:
    """Sentence first, in the account's language, saying what the code is for; the last
    line lets browsers offer the code only on our site (its format is fixed, whatever the language)."""
    sentence = say(_(TEXTS[purpose], app=app_name, code=code), language)
    return f"{sentence}\n\n@{host} #{code}"


def call_text(app_name: str, code: str, language: str, purpose: Purpose = "signup") -> str:
    spoken = ", ".join(code)
    return say(_(CALLS[purpose], app=app_name, code=spoken), language)


def purpose_of(user: User) -> Purpose:
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
        self.channels = ("sms", "call") if sender.can_call else ("sms",)  # never WhatsApp: no sender of ours

    def _hash(self, user: User, code: str) -> str:
        message = f"{user.id}:{user.phone}:{code}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    async def start(self, user: User, channel: Channel, purpose: Purpose | None = None) -> StartOutcome:
        purpose = purpose or purpose_of(user)
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        await self._store(user, code, purpose)
        if channel == "call":
            spoken = call_text(self.app_name, code, user.language, purpose)
            message = Message(user.phone, spoken, "call", user.language)
        else:
            message = Message(user.phone, code_text(self.app_name, self.host, code, user.language, purpose))
        try:
            receipt = await self.sender.send(message)
        except SendFailed as error:
            log.warning("code not sent: user=%s channel=%s reason=%s", user.id, channel, error)
            await self.cancel(user, purpose)
            return error.outcome
        return Sent(channel, receipt)

    async def _store(self, user: User, code: str, purpose: Purpose) -> None:
        """Insert or replace: the previous code for the same thing dies here."""
        replace = _replace_reset_code if purpose == "reset" else _replace_code
        code_hash, expires_at = self._hash(user, code), self.clock() + self.ttl
        await self.db.execute(bound(replace, user_id=user.id, code_hash=code_hash, expires_at=expires_at))

    async def check(self, user: User, code: str, purpose: Purpose | None = None) -> CheckOutcome:
        purpose = purpose or purpose_of(user)
        if purpose == "reset":
            return await self._check_reset(user, code)
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

    async def _check_reset(self, user: User, code: str) -> CheckOutcome:
        """A reset's code: its tries are counted by the reset, per session and per email."""
        row = await self.db.fetch_one(bound(_reset_code, user_id=user.id))
        if row is None or row["expires_at"] <= self.clock():
            return Expired()
        if not hmac.compare_digest(self._hash(user, code), row["code_hash"]):
            return WrongCode(None)
        used = await self.db.fetch_one(bound(_use_reset, user_id=user.id, code_hash=row["code_hash"]))
        return Approved() if used else Expired()  # of two requests with the right code, one wins

    async def cancel(self, user: User, purpose: Purpose | None = None) -> None:
        cancel = _cancel_reset if (purpose or purpose_of(user)) == "reset" else _cancel
        await self.db.execute(bound(cancel, user_id=user.id))
