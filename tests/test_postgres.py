"""The same rules on PostgreSQL, where several instances share one database:
migrations, and the writes that must hold when requests race."""

import asyncio
import os
import uuid
from dataclasses import replace

import asyncpg
import httpx
import pytest
import sqlalchemy as sa
from support import JENNY

from components.checking import check_code
from components.database import MIGRATIONS, connected, migrate, schema_version, users
from components.forms import read_signup
from components.sending import resend
from components.services import build_services
from components.signup import sign_up

SERVER = os.environ.get("TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
pytestmark = pytest.mark.anyio


@pytest.fixture
async def pg_url():
    """A database of its own for each test, dropped afterwards."""
    name = f"av_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(f"{SERVER}/postgres", timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL at {SERVER}: {error}")
    await admin.execute(f'CREATE DATABASE "{name}"')
    yield f"{SERVER}/{name}"
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


@pytest.fixture
async def pg_services(pg_url, settings, phone, clock):
    async with connected(pg_url) as db, httpx.AsyncClient() as client:
        yield build_services(replace(settings, database_url=pg_url), db, client, sender=phone, clock=clock)


async def test_migrations_run_once_and_again(pg_url):
    async with connected(pg_url) as db:
        assert await migrate(db) == len(MIGRATIONS)
        assert await db.fetch_val(sa.select(schema_version.c.version)) == len(MIGRATIONS)


async def test_fifty_signups_with_one_email_make_one_account(pg_services, phone):
    details = read_signup(JENNY, "US")
    results = await asyncio.gather(*(sign_up(pg_services, details, f"10.0.0.{n}") for n in range(50)))
    assert {result.user.id for result in results} == {results[0].user.id}
    db = pg_services.users.db
    assert await db.fetch_val(sa.select(sa.func.count()).select_from(users)) == 1
    assert len(phone.messages()) == 1


async def test_the_last_signup_slot_goes_to_one_request(pg_services):
    attempts = [read_signup({**JENNY, "email": f"p{n}@example.com"}, "US") for n in range(15)]
    results = await asyncio.gather(*(sign_up(pg_services, details, "10.9.9.9") for details in attempts))
    assert sum(1 for result in results if getattr(result, "retry_after", None)) == 5


async def test_twenty_resends_at_once_send_one_code(pg_services, phone, clock):
    first = await sign_up(pg_services, read_signup(JENNY, "US"), "10.0.0.1")
    clock.advance(30)
    await asyncio.gather(*(resend(pg_services, first.user, "sms", "10.0.0.1") for _ in range(20)))
    assert len(phone.messages()) == 2


async def test_two_right_codes_at_once_verify_once(pg_services, phone):
    first = await sign_up(pg_services, read_signup(JENNY, "US"), "10.0.0.1")
    code = phone.last_code()
    await asyncio.gather(*(check_code(pg_services, first.user, code) for _ in range(2)))
    assert (await pg_services.users.get(first.user.id)).verified
    assert len([m for m in phone.messages() if "Welcome aboard" in m["body"]]) == 1
