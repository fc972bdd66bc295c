"""SQLite connections that are opened once and reused.

`databases` opens a new aiosqlite connection, with a thread of its own, for
every request. Starting that thread blocks the event loop until the thread
runs, which takes long when bcrypt keeps every core busy: page loads stalled
for half a second during a signup rush (bench/). Here idle connections wait
for the next request instead.
"""

import aiosqlite
from databases import Database
from databases.backends.sqlite import SQLiteBackend, SQLitePool

KEEP_IDLE = 20  # about the requests one worker has at the database at once


class ReusingPool(SQLitePool):
    def __init__(self, url, **options):
        super().__init__(url, **options)
        self._idle: list[aiosqlite.Connection] = []

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        connection = await super().acquire()
        # SQLite keeps foreign keys (and ON DELETE CASCADE) off unless each connection asks.
        await connection.execute("PRAGMA foreign_keys = ON")
        return connection

    async def release(self, connection: aiosqlite.Connection) -> None:
        # A connection left inside a transaction (a cancelled request) is not handed on.
        if len(self._idle) < KEEP_IDLE and not connection.in_transaction:
            self._idle.append(connection)
        else:
            await super().release(connection)

    async def close(self) -> None:
        while self._idle:
            await super().release(self._idle.pop())


class ReusingSQLiteBackend(SQLiteBackend):
    def __init__(self, database_url, **options):
        super().__init__(database_url, **options)
        self._pool = ReusingPool(self._database_url, **options)

    async def disconnect(self) -> None:
        await self._pool.close()
        await super().disconnect()


class SQLiteDatabase(Database):
    SUPPORTED_BACKENDS = {**Database.SUPPORTED_BACKENDS, "sqlite": f"{__name__}:ReusingSQLiteBackend"}
