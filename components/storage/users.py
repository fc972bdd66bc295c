"""Accounts: stored unverified at signup, verified once the code is right.

An account has at most one code waiting at a time (`challenge` says what for:
its signup, a sign-in, a password reset, a new number); the send and try
counters belong to that code, so every code step shares one set of rules.
"""

import secrets
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from databases import Database

from components.forms import mailbox
from components.purposes import Challenge
from components.storage.database import deleted, users
from components.storage.prepared import P, Statement, batch_deleted, bound, insert_for

CODES_STOPPED = 1e15  # `locked_until` for good: only an operator can clear it


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    password_hash: str
    phone: str
    country: str
    created_at: float
    code_sent_at: float | None
    verified_at: float | None
    code_failures: int = 0
    failed_checks: int = 0
    locked_until: float | None = None
    session_version: int = 0
    challenge: Challenge | None = None  # what the account waits for (components/purposes.py); None: nothing
    sending_until: float | None = None
    challenge_phone: str | None = None  # a new number being verified
    challenge_country: str | None = None
    language: str = "en"  # of every text the account gets
    number_change_phone: str | None = None  # a new number waiting to replace this one (its code was right)
    number_change_country: str | None = None
    number_change_at: float | None = None  # when, unless the current number cancels it first

    @property
    def verified(self) -> bool:
        return self.verified_at is not None

    def locked(self, now: float) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def codes_stopped(self) -> bool:
        return self.locked_until is not None and self.locked_until >= CODES_STOPPED


# The statements: storage/prepared.py builds and compiles each once per database;
# the methods below give them their values.
def _by_id(user_id: P) -> Statement:
    return users.select().where(users.c.id == user_id)


def _with_subject(user_id: P, fresh: P) -> Statement:
    return (
        users.update()
        .where(users.c.id == user_id, users.c.verified_at.is_not(None))
        .values(subject=sa.func.coalesce(users.c.subject, fresh))
        .returning(*users.c)
    )


def _by_email(folded: P) -> Statement:
    return users.select().where(users.c.email_folded == folded)


def _changed(user_id: P, *conditions: sa.ColumnElement[bool]) -> sa.Update:
    """An UPDATE of the account that gives it back as it now is."""
    return users.update().where(users.c.id == user_id, *conditions).returning(*users.c)


def _create(
    dialect: str, email: P, folded: P, name: P, password_hash: P, phone: P, country: P, language: P, created_at: P
) -> Any:  # either dialect's Insert
    fields = {"email": email, "name": name, "password_hash": password_hash, "phone": phone, "country": country}
    return (
        insert_for(dialect)(users)
        .values(**fields, email_folded=folded, language=language, created_at=created_at, challenge="signup")
        .on_conflict_do_nothing()  # the mailbox is taken, whatever the case it was typed in
        .returning(*users.c)
    )


def _claim_send(user_id: P, challenge: P, sent_before: P, now: P, until: P) -> Statement:
    return _changed(
        user_id,
        users.c.challenge == challenge,
        sa.or_(users.c.code_sent_at.is_(None), users.c.code_sent_at <= sent_before),
        sa.or_(users.c.sending_until.is_(None), users.c.sending_until <= now),
    ).values(sending_until=until)


def _confirm_send(user_id: P, now: P) -> Statement:
    return _changed(user_id).values(code_sent_at=now, code_failures=0, sending_until=None)


def _release_send(user_id: P) -> Statement:
    return _changed(user_id).values(sending_until=None)


def _claim_check(user_id: P, challenge: P, max_failures: P, now: P) -> Statement:
    return _changed(
        user_id,
        users.c.challenge == challenge,
        users.c.code_failures < max_failures,
        sa.or_(users.c.locked_until.is_(None), users.c.locked_until <= now),
    ).values(code_failures=users.c.code_failures + 1, failed_checks=users.c.failed_checks + 1)


def _uncount_check(user_id: P) -> Statement:
    return (
        users.update()
        .where(users.c.id == user_id, users.c.code_failures > 0)
        .values(code_failures=users.c.code_failures - 1, failed_checks=users.c.failed_checks - 1)
    )


def _start_challenge(user_id: P, challenge: P, fresh: P, phone: P, country: P) -> Statement:
    """The cooldown and tries are kept for the same purpose to the same number (any number
    when `phone` is None), unless `fresh`. Casts: PostgreSQL cannot tell a bare parameter's type."""
    same_number = sa.or_(sa.cast(phone, sa.Text).is_(None), users.c.challenge_phone == phone)
    keep = sa.and_(sa.not_(sa.cast(fresh, sa.Boolean)), users.c.challenge == challenge, same_number)
    return _changed(user_id, users.c.verified_at.is_not(None)).values(
        challenge=challenge,
        challenge_phone=phone,
        challenge_country=country,
        code_sent_at=sa.case((keep, users.c.code_sent_at), else_=None),
        code_failures=sa.case((keep, users.c.code_failures), else_=0),
    )


# What a right code leaves behind: no number waiting for a code, no send, no wrong tries.
_CODE_DONE = {
    "challenge_phone": None,
    "challenge_country": None,
    "code_sent_at": None,
    "code_failures": 0,
    "failed_checks": 0,
}


def _finish_challenge(user_id: P, purpose: P, then: P, verified_at: P, phone: P, country: P) -> Statement:
    """Only while the account waits for `purpose`; a value left None keeps the column's own.
    A new number made now ends any change still waiting (it would undo this one)."""
    waiting = sa.cast(phone, sa.Text).is_(None)
    return _changed(user_id, users.c.challenge == purpose).values(
        number_change_phone=sa.case((waiting, users.c.number_change_phone), else_=None),
        number_change_country=sa.case((waiting, users.c.number_change_country), else_=None),
        number_change_at=sa.case((waiting, users.c.number_change_at), else_=None),
        challenge=then,
        **_CODE_DONE,
        verified_at=sa.func.coalesce(verified_at, users.c.verified_at),
        phone=sa.func.coalesce(phone, users.c.phone),
        country=sa.func.coalesce(country, users.c.country),
    )


def _move_on(user_id: P, purpose: P, then: P) -> Statement:
    """Only while the account waits for `purpose`: the next code of the same change (its number kept)."""
    return _changed(user_id, users.c.challenge == purpose).values(
        challenge=then, code_sent_at=None, code_failures=0, failed_checks=0
    )


def _schedule_number_change(user_id: P, at: P) -> Statement:
    """Only while the account waits for the new number's code of a change that waits."""
    return _changed(user_id, users.c.challenge == "number-later").values(
        number_change_phone=users.c.challenge_phone,
        number_change_country=users.c.challenge_country,
        number_change_at=at,
        challenge=None,
        **_CODE_DONE,
    )


def _cancel_number_change(user_id: P, at: P) -> Statement:
    """Only the change scheduled for `at` (a link to an older one cancels nothing)."""
    return _changed(user_id, users.c.number_change_at == at).values(
        number_change_phone=None, number_change_country=None, number_change_at=None
    )


def _make_number_changes(now: P, most: P) -> Statement:
    due = sa.select(users.c.id).where(users.c.number_change_at <= now).limit(most).scalar_subquery()
    return (
        users.update()
        .where(users.c.id.in_(due), users.c.number_change_at <= now)
        .values(
            phone=users.c.number_change_phone,
            country=users.c.number_change_country,
            number_change_phone=None,
            number_change_country=None,
            number_change_at=None,
        )
        .returning(users.c.id)
    )


def _lock(user_id: P, until: P) -> Statement:
    return _changed(user_id, sa.or_(users.c.locked_until.is_(None), users.c.locked_until < until)).values(
        locked_until=until
    )


def _close_signup(user_id: P) -> Statement:
    return users.delete().where(users.c.id == user_id, users.c.verified_at.is_(None))


def _purge_unverified(created_before: P, most: P) -> Statement:
    return batch_deleted(users, most, users.c.verified_at.is_(None), users.c.created_at < created_before)


def _signed_up_since(since: P) -> Statement:
    return sa.select(users.c.country, users.c.verified_at).where(users.c.created_at >= since)


def _end_sessions(user_id: P) -> Statement:
    return users.update().where(users.c.id == user_id).values(session_version=users.c.session_version + 1)


def _unlock(user_id: P) -> Statement:
    return _changed(user_id).values(locked_until=None, failed_checks=0, code_failures=0)


def _set_language(user_id: P, language: P) -> Statement:
    return users.update().where(users.c.id == user_id).values(language=language)


def _delete(user_id: P) -> Statement:
    return users.delete().where(users.c.id == user_id)


def user_from(record: typing.Any) -> User | None:
    return User(**{field: record[field] for field in User.__dataclass_fields__}) if record else None


class Users:
    def __init__(self, db: Database, clock: Callable[[], float]) -> None:
        self.db = db
        self.clock = clock

    async def get(self, user_id: int) -> User | None:
        return user_from(await self.db.fetch_one(bound(_by_id, user_id=user_id)))

    async def with_subject(self, user_id: int) -> tuple[User, str] | None:
        """A verified account and what apps know it by: read, or, at its first sign-in to an
        app, made (one statement, so two first sign-ins at once agree on it)."""
        row = await self.db.fetch_one(bound(_by_id, user_id=user_id))
        if row is not None and row["verified_at"] is not None and row["subject"] is None:
            row = await self.db.fetch_one(bound(_with_subject, user_id=user_id, fresh=secrets.token_hex(16)))
        user = user_from(row)
        return (user, row["subject"]) if user and user.verified and row else None

    async def by_email(self, email: str) -> User | None:
        """Whatever the case it is typed in."""
        return user_from(await self.db.fetch_one(bound(_by_email, folded=mailbox(email))))

    async def create(
        self, *, email: str, name: str, password_hash: str, phone: str, country: str, language: str = "en"
    ) -> User | None:
        """The new unverified account, or None when the email (in any case) is already taken."""
        query = bound(
            _create,
            email=email,
            folded=mailbox(email),
            name=name,
            password_hash=password_hash,
            phone=phone,
            country=country,
            language=language,
            created_at=self.clock(),
        )
        return user_from(await self.db.fetch_one(query))

    async def update_pending(
        self, user_id: int, *, phone: str, country: str, name: str | None = None, language: str | None = None
    ) -> User | None:
        """New details for an unverified signup. The signup's cooldown holds across numbers:
        a new number is sent a code as a resend would be."""
        values = {"phone": phone, "country": country, **({"language": language} if language else {})}
        if name is not None:
            values["name"] = name
        query = (
            users.update()
            .where(users.c.id == user_id, users.c.verified_at.is_(None))
            .values(**values)
            .returning(*users.c)
        )
        return user_from(await self.db.fetch_one(query))

    async def claim_send(
        self, user_id: int, challenge: Challenge | None, *, cooldown: float, deadline: float
    ) -> User | None:
        """Take the right to send a code now, for `deadline` seconds (the account as it is
        then); None while the last sent code is too recent, or another send is under way.
        One conditional UPDATE: of racing requests, one sends."""
        now = self.clock()
        query = bound(
            _claim_send, user_id=user_id, challenge=challenge, sent_before=now - cooldown, now=now, until=now + deadline
        )
        return user_from(await self.db.fetch_one(query))

    async def confirm_send(self, user_id: int) -> User | None:
        """The provider took the code: it counts as sent (the cooldown starts), with a
        fresh set of tries (the count in a row goes on)."""
        return user_from(await self.db.fetch_one(bound(_confirm_send, user_id=user_id, now=self.clock())))

    async def release_send(self, user_id: int) -> User | None:
        """No code went out: another send may start at once (a code sent earlier still counts)."""
        return user_from(await self.db.fetch_one(bound(_release_send, user_id=user_id)))

    async def claim_check(self, user_id: int, challenge: Challenge | None, max_failures: int) -> User | None:
        """Count a check as failed before it runs, so racing guesses cannot pass the limits
        (the account with the try counted); None when this code is out of tries or the
        account is locked."""
        query = bound(_claim_check, user_id=user_id, challenge=challenge, max_failures=max_failures, now=self.clock())
        return user_from(await self.db.fetch_one(query))

    async def uncount_check(self, user_id: int) -> None:
        """The check did not judge the code (expired, provider down): it was no failure."""
        await self.db.execute(bound(_uncount_check, user_id=user_id))

    async def lock(self, user_id: int, until: float) -> User | None:
        """Checking stops until then; a lock is only ever extended (of two racing
        wrong codes, the one with the longer lock wins): the locked account."""
        return user_from(await self.db.fetch_one(bound(_lock, user_id=user_id, until=until)))

    async def close_signup(self, user_id: int) -> None:
        """An unverified signup that can no longer be finished is deleted (its email with it)."""
        await self.db.execute(bound(_close_signup, user_id=user_id))

    async def purge_unverified(self, created_before: float, batch: int) -> int:
        """Up to `batch` signups never finished in time give their email back: how many."""
        return await deleted(self.db, bound(_purge_unverified, created_before=created_before, most=batch))

    async def signed_up_since(self, since: float) -> list[tuple[str, bool]]:
        """The country of every account created since then, and whether it is verified (for `stats`)."""
        rows = await self.db.fetch_all(bound(_signed_up_since, since=since))
        return [(row["country"], row["verified_at"] is not None) for row in rows]

    async def end_sessions(self, user_id: int) -> None:
        """Pending sign-ins and remembered browsers issued so far stop working."""
        await self.db.execute(bound(_end_sessions, user_id=user_id))

    async def start_challenge(
        self,
        user_id: int,
        challenge: Challenge,
        *,
        fresh: bool = False,
        phone: str | None = None,
        country: str | None = None,
    ) -> User | None:
        """A code is now waiting for this purpose (a verified account's), to `phone` when it
        is a new number. The same purpose to the same number keeps its cooldown and tries,
        unless `fresh`; anything else starts afresh (and the old code is no longer asked for)."""
        query = bound(_start_challenge, user_id=user_id, challenge=challenge, fresh=fresh, phone=phone, country=country)
        return user_from(await self.db.fetch_one(query))

    async def finish_challenge(
        self,
        user_id: int,
        purpose: Challenge,
        *,
        then: Challenge | None = None,
        verified_at: float | None = None,
        phone: str | None = None,
        country: str | None = None,
    ) -> User | None:
        """The code was right: nothing waits any more, unless `then` says what comes next;
        the account verified at `verified_at`, or with the new `phone` and `country`, when
        given. The account, for the one request that finished it; None for any other."""
        values = {"then": then, "verified_at": verified_at, "phone": phone, "country": country}
        return user_from(await self.db.fetch_one(bound(_finish_challenge, user_id=user_id, purpose=purpose, **values)))

    async def move_on(self, user_id: int, purpose: Challenge, then: Challenge) -> User | None:
        """The code for `purpose` was right, and the change goes on with a code for `then`:
        the account, for the one request that moved it on; None for any other."""
        return user_from(await self.db.fetch_one(bound(_move_on, user_id=user_id, purpose=purpose, then=then)))

    async def schedule_number_change(self, user_id: int, at: float) -> User | None:
        """The new number's code was right: it replaces the current one at `at`. The account,
        for the one request that scheduled it; None for any other."""
        return user_from(await self.db.fetch_one(bound(_schedule_number_change, user_id=user_id, at=at)))

    async def cancel_number_change(self, user_id: int, at: float) -> User | None:
        """The change scheduled for `at` is called off: the account, or None if none was."""
        return user_from(await self.db.fetch_one(bound(_cancel_number_change, user_id=user_id, at=at)))

    async def make_number_changes(self, now: float, batch: int) -> int:
        """Up to `batch` changes whose wait is over, in one statement (each checked again as it
        is made, so none happens twice): how many."""
        return len(await self.db.fetch_all(bound(_make_number_changes, now=now, most=batch)))

    async def set_password(self, user_id: int, password_hash: str, *, after: Challenge | None = None) -> User | None:
        """A new password; pending sign-ins and remembered browsers stop working. `after`:
        only while the account waits for exactly that (the reset's new password)."""
        query = users.update().where(users.c.id == user_id)
        if after:
            query = query.where(users.c.challenge == after)
        query = query.values(
            password_hash=password_hash,
            session_version=users.c.session_version + 1,
            **({"challenge": None} if after else {}),
        ).returning(*users.c)
        return user_from(await self.db.fetch_one(query))

    async def unlock(self, user_id: int) -> User | None:
        """An operator's unlock: no lock-out, no wrong codes counted (codes stopped included)."""
        return user_from(await self.db.fetch_one(bound(_unlock, user_id=user_id)))

    async def set_language(self, user_id: int, language: str) -> None:
        await self.db.execute(bound(_set_language, user_id=user_id, language=language))

    async def delete(self, user_id: int) -> None:
        """The account and everything kept for it (sessions, codes, registrations) go."""
        await self.db.execute(bound(_delete, user_id=user_id))
