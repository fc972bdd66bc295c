"""The schema and the connection: migrations that can run at every start and
bring any older database up to date, and SQLite connections that are reused
(on SQLite or, with TEST_DATABASE_URL, PostgreSQL)."""

import asyncio
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import aiosqlite
import pytest
import sqlalchemy as sa
from databases import DatabaseURL
from fresh_db import dialect
from sqlalchemy.schema import CreateTable

from components.forms import mailbox
from components.storage import sqlite_pool
from components.storage.database import (
    MIGRATIONS,
    connected,
    database_for,
    messages,
    migrate,
    pending_codes,
    schema_version,
    sessions,
    users,
)
from components.storage.prepared import bound
from components.storage.sqlite_pool import ReusingPool

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]


async def test_the_suite_runs_on_the_database_it_was_given(db):
    assert db.url.dialect == dialect()


async def test_migrations_record_the_version_and_can_run_again(db):
    assert await migrate(db) == len(MIGRATIONS)
    assert await db.fetch_val(sa.select(schema_version.c.version)) == len(MIGRATIONS)
    assert await db.fetch_val(sa.select(sa.func.count()).select_from(schema_version)) == 1


async def test_instances_starting_together_migrate_one_at_a_time(database_url):
    async def start() -> int:
        async with connected(database_url) as database:
            return await database.fetch_val(sa.select(schema_version.c.version))

    assert await asyncio.gather(*(start() for _ in range(6))) == [len(MIGRATIONS)] * 6


async def test_a_database_file_in_a_new_folder_is_created(tmp_path):
    database = database_for(f"sqlite:///{tmp_path}/deep/er/app.db")
    await database.connect()
    await migrate(database)
    await database.disconnect()
    assert (tmp_path / "deep" / "er" / "app.db").exists()


async def test_sqlite_connections_are_reused_not_opened_per_request(tmp_path, monkeypatch):
    """Opening one starts a thread, which blocks the event loop until it runs."""
    opened = []
    original = aiosqlite.connect
    monkeypatch.setattr(aiosqlite, "connect", lambda *args, **kwargs: opened.append(1) or original(*args, **kwargs))
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        opened.clear()
        threads = threading.active_count()
        for _ in range(10):
            await database.fetch_val(sa.select(sa.func.count()).select_from(users))
        await asyncio.gather(*(database.fetch_val(sa.select(1)) for _ in range(5)))
        assert len(opened) <= 5
        assert threading.active_count() > threads  # the idle connections' threads wait for work
    assert threading.active_count() <= threads  # and end with the database


async def test_each_sqlite_statement_is_one_trip_to_its_thread_with_the_answers_databases_gives(tmp_path, monkeypatch):
    """Each trip wakes the connection's thread and then the event loop (bench/README.md)."""
    trips = []
    original = aiosqlite.Connection._execute
    monkeypatch.setattr(
        aiosqlite.Connection, "_execute", lambda self, *a, **k: trips.append(1) or original(self, *a, **k)
    )
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        trips.clear()
        row = {"email": "a@example.com", "name": "A", "password_hash": "h", "country": "US", "phone": "+12015550100"}
        first = await database.execute(users.insert().values(**row, created_at=1))
        second = await database.execute(
            users.insert().values(**{**row, "email": "b@example.com", "email_folded": "b@example.com"}, created_at=2)
        )
        found = await database.fetch_one(users.select().where(users.c.id == second))
        both = await database.fetch_all(sa.select(users.c.email).order_by(users.c.id))
        nobody = await database.fetch_one(users.select().where(users.c.id == 99))
        changed = await database.execute(users.update().values(name="B"))
        assert len(trips) == 6
    assert (first, second) == (1, 2) and found is not None and found["email"] == "b@example.com"
    assert [record["email"] for record in both] == ["a@example.com", "b@example.com"] and nobody is None
    assert changed == 2  # an UPDATE answers the rows it changed


async def test_a_sqlite_connection_left_in_a_transaction_is_not_handed_on(tmp_path):
    pool = ReusingPool(DatabaseURL(f"sqlite:///{tmp_path}/app.db"))
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    await pool.release(connection)
    fresh = await pool.acquire()
    assert fresh is not connection and not fresh.in_transaction
    await pool.release(fresh)
    assert await pool.acquire() is fresh
    await pool.release(fresh)
    await pool.close()


def _in_the_file_itself(path: Path, tmp_path: Path) -> bool:
    """Whether the file alone (its WAL left behind) holds the table `notes` yet."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    with closing(sqlite3.connect(copy)) as reader:
        return bool(reader.execute("SELECT count(*) FROM sqlite_master WHERE name = 'notes'").fetchone()[0])


_NOTES = "CREATE TABLE notes (body BLOB)"
# One commit of 1,100 pages: past the 1,000 at which SQLite's own checkpoint would run in it.
_MANY_PAGES = (
    "INSERT INTO notes WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100) "
    "SELECT zeroblob(4000) FROM n"
)


async def test_a_sqlite_commit_does_not_stop_to_copy_the_wal_into_the_file(tmp_path, monkeypatch):
    """On a big file that copy held every write for tens of milliseconds (bench/README.md)."""
    monkeypatch.setattr(sqlite_pool, "CHECKPOINT_SECONDS", 3600)
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
        await database.execute(_MANY_PAGES)
        assert not _in_the_file_itself(tmp_path / "app.db", tmp_path)


async def test_sqlite_writes_reach_the_file_beside_the_writer_within_moments(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_pool, "CHECKPOINT_SECONDS", 0.05)
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
        for _ in range(100):
            if _in_the_file_itself(tmp_path / "app.db", tmp_path):
                break
            await asyncio.sleep(0.05)
        assert _in_the_file_itself(tmp_path / "app.db", tmp_path)
        assert await database.fetch_val(sa.text("SELECT count(*) FROM notes")) == 0  # and the app reads on


async def test_how_long_a_write_held_the_sqlite_writer_is_timed_where_it_ran(tmp_path, monkeypatch):
    """Not its wait for the writer, nor a busy event loop's delay in coming back: neither holds
    SQLite's lock, and housekeeping reports the hold (bench/README.md)."""
    original = aiosqlite.Connection._execute

    async def late(self, *args, **kwargs):
        done = await original(self, *args, **kwargs)
        time.sleep(0.2)  # the event loop, busy elsewhere, comes back late
        return done

    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
        with monkeypatch.context() as patched, sqlite_pool.longest_statement() as longest:
            patched.setattr(aiosqlite.Connection, "_execute", late)
            async with database._turn:  # another write of this process has the writer
                started = time.monotonic()
                queued = asyncio.create_task(database.execute(sa.text("INSERT INTO notes VALUES (x'00')")))
                await asyncio.sleep(0.2)
            await queued
            assert time.monotonic() - started >= 0.4
        assert 0 < longest.seconds < 0.1
        await database.execute(_MANY_PAGES)  # after the context: not counted
        assert longest.seconds < 0.1


async def test_waiting_for_another_process_on_sqlite_is_timed_but_is_no_work_of_the_write(tmp_path):
    """Housekeeping's hold tells the statement's own work (CPU) from its waits: an `app.py
    purge` beside the app, or a second instance, holds SQLite's lock, and a write waits for it."""
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
        other = sqlite3.connect(tmp_path / "app.db", isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, other.execute, ["COMMIT"]).start()
        with sqlite_pool.longest_statement() as longest:
            await database.execute(sa.text("INSERT INTO notes VALUES (x'00')"))
        other.close()
    assert longest.seconds >= 0.25 and longest.cpu < 0.1


def _note_written_out() -> sa.TextClause:
    # Written out as text, as the pumping guard's upserts are (storage/conversions.py).
    return sa.text("INSERT INTO notes VALUES (x'01')")


async def test_a_prepared_write_written_out_as_text_waits_for_the_sqlite_writer(tmp_path):
    """Not sent to a reader as if it read: there it raced the writer for SQLite's lock, each
    side sleeping in SQLite's busy handler, and flushed its every commit to disk."""
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
        async with database._turn:  # another write of this process has the writer
            queued = asyncio.create_task(database.execute(bound(_note_written_out)))
            await asyncio.sleep(0.1)
            assert not queued.done()
        await queued
        assert await database.fetch_val(sa.text("SELECT count(*) FROM notes")) == 1


async def test_a_write_that_reaches_a_sqlite_reader_fails_instead_of_racing_the_writer(tmp_path):
    async with connected(f"sqlite:///{tmp_path}/app.db") as database:
        await database.execute(_NOTES)
    pool = ReusingPool(DatabaseURL(f"sqlite:///{tmp_path}/app.db"))
    reader = await pool.acquire()
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await reader.execute("INSERT INTO notes VALUES (x'01')")
        assert await (await reader.execute("SELECT count(*) FROM notes")).fetchone() == (0,)
    finally:
        await pool.release(reader)
        await pool.close()


async def test_a_version_1_database_is_brought_up_to_date(database_url):
    """Columns added later are added where missing; data stays, and gets what it needs."""
    v1_users = sa.Table("users", sa.MetaData(), *(column._copy() for column in users.c if column.name != "challenge"))
    v1 = database_for(database_url)
    await v1.connect()
    await v1.execute(CreateTable(v1_users))
    await v1.execute(CreateTable(schema_version))
    await v1.execute(schema_version.insert().values(id=1, version=1))
    for email, verified_at in (("pending@example.com", None), ("done@example.com", 1.0)):
        await v1.execute(
            v1_users.insert().values(
                email=email,
                name="A",
                password_hash="x",
                phone="+12018675309",
                country="US",
                created_at=0.0,
                verified_at=verified_at,
            )
        )
    await v1.disconnect()
    async with connected(database_url) as db:
        rows = await db.fetch_all(sa.select(users.c.email, users.c.challenge).order_by(users.c.email))
        assert [(row["email"], row["challenge"]) for row in rows] == [
            ("done@example.com", None),
            ("pending@example.com", "signup"),
        ]
        assert await db.fetch_val(sa.select(sa.func.count()).select_from(sessions)) == 0


async def test_a_challenge_column_of_ten_characters_is_widened_for_the_longer_purposes(database_url):
    """PostgreSQL holds a VARCHAR to its length: "current-number" did not fit the old ten."""
    old = [column._copy() for column in users.c if not column.name.startswith(("number_change", "subject"))]
    old = [sa.Column("challenge", sa.String(10)) if column.name == "challenge" else column for column in old]
    v10 = database_for(database_url)
    await v10.connect()
    old_schema = sa.MetaData()
    await v10.execute(CreateTable(sa.Table("users", old_schema, *old)))
    sessions_then = ("token_hash", "user_id", "created_at")  # as version 2 made it
    await v10.execute(
        CreateTable(sa.Table("sessions", old_schema, *(sessions.c[name]._copy() for name in sessions_then)))
    )
    messages_then = [column._copy() for column in messages.c if column.name != "channel"]  # as version 7 made it
    await v10.execute(CreateTable(sa.Table("messages", old_schema, *messages_then)))
    await v10.execute(CreateTable(schema_version))
    await v10.execute(schema_version.insert().values(id=1, version=10))  # the number change's migration is next
    await v10.disconnect()
    async with connected(database_url) as db:
        values = {"email": "a@example.com", "email_folded": "a@example.com", "name": "A", "password_hash": "x"}
        await db.execute(
            users.insert().values(**values, phone="+1", country="US", created_at=0.0, challenge="current-number")
        )
        assert await db.fetch_val(sa.select(users.c.challenge)) == "current-number"


async def _old_account(db, email: str, verified_at: float | None) -> None:
    """An account as a version before 9 stored it: no folded mailbox."""
    values = {"name": "A", "password_hash": "x", "phone": "+12018675309", "country": "US", "created_at": 0.0}
    await db.execute(users.insert().values(email=email, verified_at=verified_at, **values))


async def test_emails_that_differ_only_in_case_become_one_account_on_upgrade(database_url):
    async with connected(database_url) as db:
        await db.execute("DROP INDEX ix_users_mailbox")
        await db.execute(schema_version.update().values(version=2))
        for email, verified_at in (("XSS@example.com", None), ("xss@example.com", 1.0), ("Xss@Example.com", None)):
            await _old_account(db, email, verified_at)
    async with connected(database_url) as db:
        assert [row["email"] for row in await db.fetch_all(sa.select(users.c.email))] == ["xss@example.com"]
        with pytest.raises(Exception, match="(?i)unique"):
            await db.execute(
                users.insert().values(
                    email="XsS@example.com",
                    email_folded=mailbox("XsS@example.com"),
                    name="B",
                    password_hash="x",
                    phone="+1",
                    country="US",
                    created_at=0.0,
                )
            )


async def test_emails_sqlite_could_not_fold_become_one_mailbox_on_upgrade(database_url):
    """Before version 9, SQLite's lower() left "Émile" and "émile" two accounts."""
    async with connected(database_url) as db:
        await db.execute("DROP INDEX ix_users_mailbox")
        await db.execute(schema_version.update().values(version=8))
        for email, verified_at in (("Émile@example.com", 1.0), ("émile@example.com", None), ("ÉMILE@example.com", 2.0)):
            await _old_account(db, email, verified_at)
    async with connected(database_url) as db:
        rows = await db.fetch_all(sa.select(users.c.email, users.c.email_folded).order_by(users.c.id))
        assert [(row["email"], row["email_folded"]) for row in rows] == [
            ("Émile@example.com", "émile@example.com"),  # the first verified one keeps the mailbox
            ("ÉMILE@example.com", "émile@example.com #3"),  # could not sign in before, and cannot now
        ]


async def test_deleting_an_account_deletes_what_is_kept_for_it(services, db, outbox):
    """SQLite keeps ON DELETE CASCADE off unless every connection turns it on."""
    created = await services.users.create(
        email="a@example.com", name="A", password_hash="x", phone="+12018675309", country="US"
    )
    await services.sessions.open(created.id)
    await services.verifier.start(created, "sms")
    await services.users.delete(created.id)
    for table in (sessions, pending_codes):
        assert await db.fetch_val(sa.select(sa.func.count()).select_from(table)) == 0


def test_the_sqlite_app_needs_no_postgresql_driver():
    """asyncpg comes with the postgres extra only: the default install runs without it."""
    script = (
        "import sys; sys.modules['asyncpg'] = None; import routes.application, components.storage.database; "
        "print('loaded')"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "loaded", done.stderr


def _email_of(user_id):
    return sa.select(users.c.email).where(users.c.id == user_id)


def test_a_statement_built_once_refuses_a_value_left_out_or_one_it_does_not_take():
    """A stray name could fill a bind parameter SQLAlchemy made for a literal (`kind="code"`)."""
    with pytest.raises(TypeError, match="user_id"):
        bound(_email_of)
    with pytest.raises(TypeError, match="email"):
        bound(_email_of, user_id=1, email="a@example.com")


async def test_a_statement_built_once_answers_each_call_with_that_calls_values(db, services):
    first = await services.users.create(
        email="a@example.com", name="A", password_hash="x", phone="+12015550100", country="US"
    )
    second = await services.users.create(
        email="b@example.com", name="B", password_hash="x", phone="+12015550101", country="US"
    )
    emails = [await db.fetch_val(bound(_email_of, user_id=user.id)) for user in (second, first)]
    assert emails == ["b@example.com", "a@example.com"]


def _email_and_name_of(user_id):  # a statement of this test's own: no other test fills its layout first
    return sa.select(users.c.email.label("layout_test_email"), users.c.name).where(users.c.id == user_id)


async def test_a_prepared_statements_rows_are_mapped_by_one_layout_built_at_its_first_answer(database_url, monkeypatch):
    """Building how rows map to columns was a fifth of a statement's time (bench/README.md)."""
    from components.storage import postgres, sqlite_pool

    built = []
    for module in (sqlite_pool, postgres):
        original = module.create_column_maps
        monkeypatch.setattr(module, "create_column_maps", lambda *a, _made=original: built.append(1) or _made(*a))
    async with connected(database_url) as database:
        row = {"email": "a@example.com", "name": "A", "password_hash": "h", "country": "US", "phone": "+12015550100"}
        await database.execute(users.insert().values(**row, created_at=1))
        b = {"email": "b@example.com", "email_folded": "b@example.com", "name": "B"}
        await database.execute(users.insert().values(**{**row, **b}, created_at=2))
        built.clear()
        answers = [await database.fetch_one(bound(_email_and_name_of, user_id=n)) for n in (99, 1, 2, 1)]
        assert answers[0] is None
        assert [(found["layout_test_email"], found["name"]) for found in answers[1:]] == [
            ("a@example.com", "A"),
            ("b@example.com", "B"),
            ("a@example.com", "A"),
        ]
        assert len(built) == 1
        listed = await database.fetch_all(sa.select(users.c.name).where(users.c.id.in_([1, 2])).order_by(users.c.id))
        again = await database.fetch_all(sa.select(users.c.name).where(users.c.id.in_([1, 2])).order_by(users.c.id))
        assert [found["name"] for found in listed + again] == ["A", "B", "A", "B"]
        assert len(built) == 3  # a statement not prepared maps its rows afresh
