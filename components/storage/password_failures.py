"""Wrong passwords in a row, per email, counted before each check.

Keyed by an HMAC of the email typed (storage never sees an email that has no
account), so an unknown email is counted exactly like a real one. A right
password clears the count; at the cap, only a code to the account's phone can
(the forgotten-password journey).
"""

from collections.abc import Callable
from typing import Any

from databases import Database

from components.storage.database import deleted, password_failures
from components.storage.prepared import P, Statement, batch_deleted, bound, insert_for


def _count(dialect: str, email_key: P, now: P, cap: P) -> Any:  # either dialect's Insert
    statement = insert_for(dialect)(password_failures).values(email_key=email_key, failures=1, last_failed_at=now)
    return statement.on_conflict_do_update(
        index_elements=["email_key"],
        set_={"failures": password_failures.c.failures + 1, "last_failed_at": now},
        where=password_failures.c.failures < cap,
    ).returning(password_failures.c.failures)


def _clear(email_key: P) -> Statement:
    return password_failures.delete().where(password_failures.c.email_key == email_key)


def _forget_old(before: P, below: P, most: P) -> Statement:
    return batch_deleted(
        password_failures, most, password_failures.c.last_failed_at < before, password_failures.c.failures < below
    )


class PasswordFailures:
    def __init__(self, db: Database, clock: Callable[[], float]):
        self.db = db
        self.clock = clock

    async def count(self, email_key: str, cap: int) -> bool:
        """Count one more before the check; False (and nothing counted) at the cap.
        One upsert, so racing checks cannot pass the cap together."""
        return await self.db.fetch_one(bound(_count, email_key=email_key, now=self.clock(), cap=cap)) is not None

    async def clear(self, email_key: str) -> None:
        await self.db.execute(bound(_clear, email_key=email_key))

    async def forget_old(self, before: float, batch: int, *, below: int) -> int:
        """Up to `batch` runs left alone since `before` and short of the cap: how many (a locked
        email stays locked)."""
        return await deleted(self.db, bound(_forget_old, before=before, below=below, most=batch))
