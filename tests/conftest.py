"""An app per test (a database of its own: SQLite, or PostgreSQL with
TEST_DATABASE_URL; console outbox in tmp; cheap bcrypt) and visitors that act
like people: sign up, read the text, type the code."""

import os
import tempfile

# Before anything loads prometheus_client (components/metrics.py): the test run's samples stay out of var/,
# and each test process (one per core) counts only its own tests' samples.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="metrics-")

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from db_proxy import DatabaseProxy
from fresh_db import fresh_database, fresh_postgres, postgres_reachable
from providers.fake import FakeProviders
from starlette.testclient import TestClient
from support import Clock, Delivered, Outbox, Visitor, app_settings, browser, served
from under_mutmut import (  # noqa: F401 (hooks: pytest finds them by name here)
    pytest_collection_modifyitems,
    pytest_runtest_logreport,
    pytest_xdist_auto_num_workers,
)

from app import create_app
from components.services import build_services
from components.settings import Settings
from components.storage.database import connected
from routes.steps import LINKS


@pytest.fixture
def database_url(tmp_path) -> str:
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return app_settings(
        tmp_path,
        database_url,
        send_timeout_seconds=0.5,
        console_delivery_seconds=0,  # its carrier reports at once: a stopping app waits for no report
        reset_check_seconds=0,  # tests/steps/test_reset.py times it on its own
    )


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def db(settings):
    """A migrated database for tests that call the components directly."""
    async with connected(settings.database_url) as database:
        yield database


@pytest.fixture
async def services(settings, db, outbox, clock):
    """The app's services without HTTP, for tests of the flow's rules."""
    async with httpx.AsyncClient() as client:
        yield build_services(settings, db, client, LINKS, sender=outbox, clock=clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox(settings) -> Outbox:
    return Outbox(Path(settings.sms_outbox))


@pytest.fixture
def app(settings, outbox, clock):
    return create_app(settings, sender=outbox, clock=clock)


@pytest.fixture
def server(app, outbox):
    """The app with its lifespan running (database connected and migrated)."""
    with TestClient(app) as client:
        outbox.follow(client)
        yield client


@pytest.fixture
def settle(server):
    """Wait for what the app does after answering (a reset code's text)."""
    return lambda: server.portal.call(server.app.state.services.background.idle)


@pytest.fixture
def new_visitor(server):
    """Make another browser on the same app."""

    def make(*, htmx: bool = True, address: str = "203.0.113.10") -> Visitor:
        return Visitor(browser(server, address), htmx=htmx)

    return make


@pytest.fixture(params=[True, False], ids=["htmx", "no-js"])
def visitor(request, new_visitor) -> Visitor:
    """The same story runs twice: with htmx fragments and with plain form posts."""
    return new_visitor(htmx=request.param)


@pytest.fixture
def htmx_visitor(new_visitor) -> Visitor:
    return new_visitor(htmx=True)


@pytest.fixture
def plain_visitor(new_visitor) -> Visitor:
    return new_visitor(htmx=False)


@pytest.fixture
def verified_visitor(visitor, outbox) -> Visitor:
    """A verified account's own browser, with htmx and without (the story runs twice)."""
    visitor.sign_up()
    visitor.enter_code(outbox.last_code())
    return visitor


@pytest.fixture
def verified(htmx_visitor, outbox) -> Visitor:
    htmx_visitor.sign_up()
    htmx_visitor.enter_code(outbox.last_code())
    return htmx_visitor


@pytest.fixture(scope="session")
def fake_server():
    """Authy, Twilio Messages and Verify on a free loopback port for the whole session."""
    fake = FakeProviders()
    with served(fake.app(), "the fake providers", lifespan="off") as url:
        yield fake, url


@pytest.fixture
def fake(fake_server):
    """The fake providers, fresh for this test; any request off the specs fails it."""
    providers, _ = fake_server
    providers.reset()
    yield providers
    assert providers.violations == []


@pytest.fixture
def provider_settings(settings, fake_server, fake):
    """Settings that point every provider at the fake."""
    _, url = fake_server
    return replace(
        settings,
        authy_api_key=fake.authy_key,
        authy_api_url=url + "/",  # an operator's trailing slash makes no double one
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_verify_service_sid=fake.service_sid,
        twilio_number="+15005550006",
        twilio_api_url=url + "/",
        twilio_verify_api_url=url + "/",
        provider_timeout_seconds=0.5,
        send_timeout_seconds=2.0,
    )


@pytest.fixture
def delivered(provider_settings, fake):
    """Codes and texts wherever they went: the console outbox or the fake providers."""
    return Delivered(Path(provider_settings.sms_outbox), fake)


@pytest.fixture
def waited() -> list[float]:
    """What providers' Retry-After made the app wait: recorded, never slept."""
    return []


@pytest.fixture
def open_app(provider_settings, clock, delivered, waited):
    """An app with these providers and settings (one for each set of them asked for);
    each call opens another browser on it, from `address`."""
    running = {}

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    def visit(
        verify: str = "twilio-verify", sms: str = "twilio", address: str = "198.51.100.7", htmx: bool = True, **changes
    ) -> Visitor:
        key = (verify, sms, tuple(sorted(changes.items())))
        if key not in running:
            settings = replace(provider_settings, verify_provider=verify, sms_provider=sms, **changes)
            running[key] = TestClient(create_app(settings, clock=clock, sleep=sleep)).__enter__()
            delivered.follow(running[key])
        return Visitor(browser(running[key], address), htmx=htmx)

    yield visit
    for client in running.values():
        client.__exit__(None, None, None)


@pytest.fixture
def postgres():
    if not postgres_reachable():
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES is set but PostgreSQL does not answer on loopback")
        pytest.skip("PostgreSQL does not answer on loopback")
    with fresh_postgres() as url:
        yield url


@pytest.fixture
def behind_proxy(postgres, settings, outbox, clock):
    """The app on PostgreSQL through a proxy that can stall or refuse."""
    url = sa.engine.make_url(postgres)
    proxy = DatabaseProxy((url.host, url.port or 5432))
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    app = create_app(replace(settings, database_url=proxied, database_timeout_seconds=1), sender=outbox, clock=clock)
    with TestClient(app) as running:
        yield proxy, running
    proxy.resume()
