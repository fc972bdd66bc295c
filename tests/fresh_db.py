"""Where tests keep their data: a SQLite file of their own by default, or, with
TEST_DATABASE_URL set, a new PostgreSQL database of their own on that server,
dropped afterwards. Names carry this run's id, so runs cannot meet."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from itertools import count
from pathlib import Path

import asyncpg
import sqlalchemy as sa

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
# Every machine here runs PostgreSQL on loopback; tests that need PostgreSQL whatever
# the run use it (and skip without it, unless REQUIRE_POSTGRES says they must run).
POSTGRES_URL = TEST_DATABASE_URL or "postgresql://postgres@127.0.0.1:5432/test"
RUN = f"test_{uuid.uuid4().hex[:8]}"
_numbers = count(1)


def dialect() -> str:
    return "postgresql" if TEST_DATABASE_URL else "sqlite"


@contextmanager
def fresh_database(folder: Path) -> Iterator[str]:
    """The URL of an empty database, which is gone after the block."""
    if not TEST_DATABASE_URL:
        yield f"sqlite:///{folder}/app.db"
        return
    with fresh_postgres() as url:
        yield url


def postgres_reachable() -> bool:
    try:
        _as_admin(sa.engine.make_url(POSTGRES_URL), "SELECT 1")
    except (OSError, asyncpg.PostgresError):
        return False
    return True


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """An empty PostgreSQL database of its own, dropped after the block."""
    server = sa.engine.make_url(POSTGRES_URL)
    name = f"{RUN}_{next(_numbers)}"
    _as_admin(server, f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        _as_admin(server, f'DROP DATABASE "{name}" WITH (FORCE)')


def _as_admin(server: sa.URL, statement: str) -> None:
    """Run outside the tests' event loops, on a thread of its own: a fixture may be set up
    while Playwright's sync API holds an event loop on this one (the browser tests)."""

    async def run():
        connection = await asyncpg.connect(server.set(drivername="postgresql").render_as_string(hide_password=False))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()
