"""SQLite under load: one writer connection per process, a few reusable readers.

Every statement that writes goes through the process's one writer connection,
one at a time, so writers of one process never wait on each other inside
SQLite (nor fail with "database is locked" when many queue up); only other
processes' writers meet SQLite's busy timeout. Each write is one statement,
committed on its own, except inside `write_transaction`: its statements hold
the writer from `BEGIN IMMEDIATE` to `COMMIT`, and other writes of the process
wait their turn. The writer runs with WAL and `synchronous=NORMAL`: a
commit is not flushed to disk until the next checkpoint, so a power cut (not
a crash of the app) can lose the last moments of writes, never corrupt the
file (docs/operating.md: "Several workers and instances").

Checkpoints (copying the WAL's pages back into the file) run beside the writer,
not after its commits: SQLite's own checkpoint runs in the commit that fills the
WAL past 1,000 pages, and on a big file its scattered writes held every write
of the process for tens of milliseconds (a million accounts: the token
endpoint's p99 went from 27 to 37 ms; bench/README.md). A connection of its own
runs a PASSIVE checkpoint every CHECKPOINT_SECONDS and when asked (housekeeping
asks after each batch); it waits for no one and no one waits for it. The writer
keeps SQLite's own at WRITER_CHECKPOINT_PAGES: under steady writes new pages
arrive during every background pass, and SQLite starts the WAL over only once a
checkpoint has copied all of it, so at that size the writer copies what the
last pass left (a second's pages) and the WAL starts over (measured: 40 MB at
most; without it, 280 MB in 15 seconds of app sign-ins).

Each statement is one trip to its connection's thread (execute, fetch and close
together): `databases` makes three, and every trip wakes that thread and then
the event loop.

How long a write held the writer is timed on its connection's thread, around the
statement alone (`longest_statement`): a time taken around the call would add
the queue for the writer and, in a busy process, the event loop's delay in
coming back, neither of which holds it. What it does count beyond SQLite's own
step is one wait for Python's GIL after it, and any wait for a core: an upper
bound. The thread's CPU time in it is kept beside it, the statement's own work
(a checkpoint in its commit that waits on the disk is not in that).

Readers are opened once and reused: `databases` would open one, with a thread
of its own, per request, and starting that thread blocks the event loop. At
most READERS are open at once (each holds its own page cache), so a crowd of
visitors queues for a reader instead of growing memory without bound. Readers
are `query_only`: a write that reached one (the pumping guard's counts did, an
upsert written as text taken for a read) raced the writer for SQLite's lock,
each side sleeping in SQLite's busy handler (1, 2, 5, 10 ms ...), and flushed
its every commit to disk; now it fails where a test sees it.
"""

import asyncio
import contextvars
import logging
import sqlite3
import time
import typing
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

import aiosqlite
import sqlalchemy as sa
from databases import Database
from databases.backends.common.records import Record, Row, create_column_maps
from databases.backends.sqlite import SQLiteBackend, SQLitePool
from databases.core import Connection
from sqlalchemy.engine.cursor import CursorResultMetaData

from components.storage.compiled import CachedSQLiteConnection, kept_for
from components.storage.prepared import Bound, Statement, bound, writes

log = logging.getLogger(__name__)
READERS = 2
READER_CACHE_KIB = 1024
CHECKPOINT_SECONDS = 1.0
WRITER_CHECKPOINT_PAGES = 10_000  # about 40 MB of WAL
# Set inside a task's write transaction: its statements (reads too) go to the writer it holds.
_holding_writer = contextvars.ContextVar("holding_writer", default=False)
# Set by `longest_statement`: the longest a statement of that context took on its thread.
_longest = contextvars.ContextVar["Longest | None"]("longest_statement", default=None)


class ReusingPool(SQLitePool):
    def __init__(self, url: typing.Any, **options: typing.Any) -> None:
        super().__init__(url, **options)
        self._idle: list[aiosqlite.Connection] = []
        self._open = asyncio.Semaphore(READERS + 1)  # and the writer, which holds its connection for good

    async def acquire(self) -> aiosqlite.Connection:
        await self._open.acquire()
        if self._idle:
            return self._idle.pop()
        try:
            connection = await super().acquire()
            # SQLite keeps foreign keys (and ON DELETE CASCADE) off unless each connection asks.
            await connection.execute("PRAGMA foreign_keys = ON")
            await connection.execute(f"PRAGMA cache_size = -{READER_CACHE_KIB}")
            # A write sent here by mistake fails at once instead of running beside the writer.
            await connection.execute("PRAGMA query_only = ON")
        except BaseException:
            self._open.release()
            raise
        return connection

    async def release(self, connection: aiosqlite.Connection) -> None:
        # A connection left inside a transaction (a cancelled request) is not handed on.
        try:
            if not connection.in_transaction:
                self._idle.append(connection)
            else:
                await super().release(connection)
        finally:
            self._open.release()

    async def close(self) -> None:
        while self._idle:
            await super().release(self._idle.pop())


class _Ran(typing.NamedTuple):
    rows: list[typing.Any]
    description: typing.Any
    lastrowid: int | None
    rowcount: int
    seconds: float  # on the thread, from the statement's start to its last row
    cpu: float  # of those, the thread's time on a CPU


def _run_on_thread(connection: sqlite3.Connection, sql: str, args: list[typing.Any], rows: int | None) -> _Ran:
    """On the connection's own thread: the statement, up to `rows` of its rows (None: all), closed."""
    started, cpu = time.perf_counter(), time.thread_time()
    cursor = connection.execute(sql, args)
    try:
        fetched = cursor.fetchall() if rows is None else cursor.fetchmany(rows)
        seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
        return _Ran(fetched, cursor.description, cursor.lastrowid, cursor.rowcount, seconds, cpu)
    finally:
        cursor.close()


@dataclass
class Longest:
    """The longest statement of a `longest_statement` context (0 while none has run, and on PostgreSQL)."""

    seconds: float = 0.0  # on its thread, waits included
    cpu: float = 0.0  # of those, on a CPU: its own work, without waits for a lock, a core or the GIL


@contextmanager
def longest_statement() -> Iterator[Longest]:
    """Inside: the longest that one of this context's SQLite statements took on its thread.
    For a write outside a transaction that returns no rows (storage.database.deleted) it
    bounds how long the writer was held: the rows read first, a checkpoint in its commit and
    one wait for the GIL are in it, and so is another process's hold it waited for (a second
    instance's, `app.py purge`'s); its CPU time leaves the waits out."""
    longest = Longest()
    token = _longest.set(longest)
    try:
        yield longest
    finally:
        _longest.reset(token)


class OneTripConnection(CachedSQLiteConnection):
    """databases' SQLite connection, each statement in one trip to aiosqlite's thread
    (through its `_execute`, which queues a call for that thread). Results as databases gives them."""

    async def _trip(self, query: typing.Any, rows: int | None) -> tuple[_Ran, typing.Any, str, typing.Any, typing.Any]:
        sql, args, result_columns, context = self._compile(query)
        connection = typing.cast(aiosqlite.Connection, self._connection)  # acquired by databases before any call
        ran: _Ran = await connection._execute(  # type: ignore[no-untyped-call]
            _run_on_thread, connection._conn, sql, args, rows
        )
        if (longest := _longest.get()) is not None and ran.seconds > longest.seconds:
            longest.seconds, longest.cpu = ran.seconds, ran.cpu
        return ran, query, sql, result_columns, context

    def _records(
        self, ran: _Ran, query: typing.Any, sql: str, result_columns: typing.Any, context: typing.Any
    ) -> list[typing.Any]:
        def layout() -> tuple[CursorResultMetaData, typing.Any]:
            return CursorResultMetaData(context, ran.description), create_column_maps(result_columns)

        metadata, column_maps = kept_for("sqlite", query, sql, layout)
        keymap: typing.Any = metadata._keymap  # databases' Row is typed for a narrower map than SQLAlchemy's
        return [
            Record(Row(metadata, metadata._processors, keymap, row), result_columns, self._dialect, column_maps)
            for row in ran.rows
        ]

    async def fetch_all(self, query: typing.Any) -> list[typing.Any]:
        return self._records(*await self._trip(query, None))

    async def fetch_one(self, query: typing.Any) -> typing.Any:
        records = self._records(*await self._trip(query, 1))
        return records[0] if records else None

    async def execute(self, query: typing.Any) -> typing.Any:
        ran, *_ = await self._trip(query, None)
        return ran.rowcount if ran.lastrowid == 0 else ran.lastrowid  # as databases answers

    async def changed(self, query: typing.Any) -> int:
        return (await self._trip(query, None))[0].rowcount


class ReusingSQLiteBackend(SQLiteBackend):
    def __init__(self, database_url: typing.Any, **options: typing.Any) -> None:
        super().__init__(database_url, **options)
        self._pool = ReusingPool(self._database_url, **options)

    def connection(self) -> OneTripConnection:
        return OneTripConnection(self._pool, self._dialect)

    async def spare(self) -> aiosqlite.Connection:
        """A connection outside the readers' count, for work beside them (checkpoints)."""
        return await SQLitePool.acquire(self._pool)

    async def disconnect(self) -> None:
        await self._pool.close()  # type: ignore[attr-defined]
        await super().disconnect()


# Built once, as every statement of a journey is (storage/prepared.py).
def _begin_immediate() -> Statement:
    return sa.text("BEGIN IMMEDIATE")


def _commit() -> Statement:
    return sa.text("COMMIT")


def _rollback() -> Statement:
    return sa.text("ROLLBACK")


class SQLiteDatabase(Database):
    SUPPORTED_BACKENDS = {**Database.SUPPORTED_BACKENDS, "sqlite": f"{__name__}:ReusingSQLiteBackend"}

    async def connect(self) -> None:
        await super().connect()
        # The writer: a connection of its own, held for the process's life; its query
        # lock lets one statement through at a time.
        self._writer = Connection(self, self._backend)
        await self._writer.__aenter__()
        await self._writer.execute("PRAGMA query_only = OFF")  # opened as every reader is
        await self._writer.execute("PRAGMA synchronous = NORMAL")
        await self._writer.execute(f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}")
        self._turn = asyncio.Lock()  # held by a write transaction, and by each write outside one
        self._spare = await typing.cast(ReusingSQLiteBackend, self._backend).spare()
        self._checkpoints = asyncio.create_task(_keep_checkpointing(self._spare))

    async def disconnect(self) -> None:
        self._checkpoints.cancel()
        await asyncio.gather(self._checkpoints, return_exceptions=True)
        await self._writer.__aexit__()
        await super().disconnect()

    @asynccontextmanager
    async def write_transaction(self) -> AsyncIterator[None]:
        """Several statements that stand or fall together. BEGIN IMMEDIATE takes SQLite's
        write lock at the start, so no other process writes between our reads and writes."""
        async with self._turn:
            holding = _holding_writer.set(True)
            try:
                await self._writer.execute(bound(_begin_immediate))
                try:
                    yield
                except BaseException:
                    await self._writer.execute(bound(_rollback))
                    raise
                await self._writer.execute(bound(_commit))
            finally:
                _holding_writer.reset(holding)

    async def _run(self, method: str, query: typing.Any, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        """Reads to a reader, writes to the writer in turn; a transaction's statements to the writer it holds."""
        if not _holding_writer.get() and not _writes(query, self._backend._dialect):
            return await getattr(super(), method)(query, *args, **kwargs)
        return await self._on_writer(lambda: getattr(self._writer, method)(query, *args, **kwargs))

    async def _on_writer(self, statement: typing.Callable[[], typing.Awaitable[typing.Any]]) -> typing.Any:
        """A write on the writer: in its turn, or at once inside the transaction that holds it.
        Started only once it may run: a caller cancelled while it waits leaves nothing behind."""
        if _holding_writer.get():
            return await statement()
        async with self._turn:
            return await statement()

    async def checkpoint(self) -> None:
        """The WAL copied into the file now, on the checkpoints' connection while the writer
        goes on (storage.database.checkpoint)."""
        await _checkpoint(self._spare)

    async def changed(self, query: typing.Any) -> int:
        """The rows a write changed (storage.database.deleted), on the writer."""
        writer = typing.cast(OneTripConnection, self._writer._connection)
        return typing.cast(int, await self._on_writer(lambda: writer.changed(query)))

    async def fetch_all(self, query: typing.Any, values: dict[str, typing.Any] | None = None) -> typing.Any:
        return await self._run("fetch_all", query, values)

    async def fetch_one(self, query: typing.Any, values: dict[str, typing.Any] | None = None) -> typing.Any:
        return await self._run("fetch_one", query, values)

    async def fetch_val(
        self, query: typing.Any, values: dict[str, typing.Any] | None = None, column: typing.Any = 0
    ) -> typing.Any:
        return await self._run("fetch_val", query, values, column=column)

    async def execute(self, query: typing.Any, values: dict[str, typing.Any] | None = None) -> typing.Any:
        return await self._run("execute", query, values)


def _writes(query: typing.Any, dialect: typing.Any) -> bool:
    return query.writes(dialect) if isinstance(query, Bound) else writes(query)


async def _keep_checkpointing(connection: aiosqlite.Connection) -> None:
    """Every CHECKPOINT_SECONDS, the WAL's pages copied into the file, as far as readers allow."""
    try:
        while True:
            await asyncio.sleep(CHECKPOINT_SECONDS)
            await _checkpoint(connection)
    finally:
        await connection.close()


async def _checkpoint(connection: aiosqlite.Connection) -> None:
    """PASSIVE: it waits for no one and no one waits for it; it copies as far as readers allow."""
    try:
        await connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
    except sqlite3.Error as error:  # the writer's own checkpoint is still there
        log.warning("checkpoint failed: %s", error)
