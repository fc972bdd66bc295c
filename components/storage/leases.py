"""Rows of work that one sender at a time takes: the outbox's texts and the logouts
owed to apps. A row is due while 'waiting', once its next attempt has come and no
lease holds it. Claiming leases it and counts the attempt in one statement, so two
senders never take the same row while a lease holds (PostgreSQL: skipping the rows
another instance is claiming); a sender that stops lets its lease run out."""

from typing import Any

import sqlalchemy as sa

from components.storage.prepared import P


def claim_due(table: sa.Table, dialect: str, now: P, most: P, until: P, **also: Any) -> sa.Update:
    """The UPDATE that leases up to `most` due rows of `table` until `until` (`also`: more values to set)."""
    due = (
        sa.select(table.c.id)
        .where(
            table.c.status == "waiting",
            table.c.next_attempt_at <= now,
            sa.or_(table.c.claimed_until.is_(None), table.c.claimed_until < now),
        )
        # Oldest due first, in the order of the index that finds them (SQLite's ends with the id).
        .order_by(table.c.next_attempt_at, table.c.id)
        .limit(most)
    )
    if dialect == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return (
        table.update()
        .where(table.c.id.in_(due.scalar_subquery()))
        .values(claimed_until=until, attempts=table.c.attempts + 1, **also)
    )
