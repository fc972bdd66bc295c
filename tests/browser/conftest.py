"""The app under uvicorn on a free loopback port, driven by Debian's Chromium
through Playwright (Playwright's own browser download is not used)."""

import os
import time
import uuid
from pathlib import Path

import pytest
from browsing import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS
from fresh_db import fresh_database
from support import JENNY, SECRET, Outbox, served

from app import create_app
from components.settings import Settings


def pytest_collection_modifyitems(config, items):
    """Without Chromium the browser tests are skipped, unless CI says they must run."""
    if CHROMIUM.exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing: apt-get install -y chromium")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install -y chromium)")
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(skip)


class LiveApp:
    def __init__(self, url: str, outbox: Outbox):
        self.url = url
        self.outbox = outbox

    def code_for(self, e164: str) -> str:
        return self.outbox.last_code(e164)

    def texts_to(self, e164: str) -> int:
        return len(self.outbox.messages(e164))

    def next_code_for(self, e164: str, after: int, seconds: float = 10) -> str:
        """The code of a text sent after the answer (a reset's): waited for, up to a deadline."""
        deadline = time.monotonic() + seconds
        while self.texts_to(e164) <= after:
            assert time.monotonic() < deadline, f"no new text reached {e164} within {seconds} s"
            time.sleep(0.05)
        return self.code_for(e164)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """One app for the session; limits are off here (the attack suite covers them)."""
    folder = tmp_path_factory.mktemp("live")
    with fresh_database(folder) as database_url:
        settings = Settings(
            app_secret=SECRET,
            app_env="test",
            database_url=database_url,
            sms_outbox=str(folder / "outbox.jsonl"),
            bcrypt_rounds=4,
            resend_cooldown_seconds=0,
            sends_per_number_hour=0,
            sends_per_number_day=0,
            sends_per_address_hour=0,
            signups_per_address_hour=0,
            sends_per_minute=0,
            send_timeout_seconds=5,
            password_failures_per_address=0,
            sends_per_prefix_hour=0,
            sends_per_country_hour=0,
            conversion_min_percent=0,
        )
        outbox = Outbox(Path(settings.sms_outbox))
        with served(create_app(settings, sender=outbox), "the app for the browser") as url:
            yield LiveApp(url, outbox)


@pytest.fixture(autouse=True)
def phone_works(live):
    live.outbox.mode = "ok"
    live.outbox.console.delivery_seconds = 0
    live.outbox.console.undeliverable = frozenset()


@pytest.fixture(scope="module")
def chromium():
    """Per module: Playwright's sync API holds an event loop on this thread while it runs,
    which the other tests' own loops must not meet."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield playwright, browser
        browser.close()


@pytest.fixture
def open_page(chromium, live):
    """A fresh browser profile on the app; `device` is a Playwright device name or options."""
    playwright, browser = chromium
    contexts = []

    def make(device: str | dict | None = None, **options):
        if isinstance(device, str):
            options = {
                **{k: v for k, v in playwright.devices[device].items() if k != "default_browser_type"},
                **options,
            }
        elif device:
            options = {**device, **options}
        context = browser.new_context(base_url=live.url, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/")
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def person():
    """A new person for each test: the same details with an email and number of their own."""
    line = uuid.uuid4().int % 10_000
    return {
        **JENNY,
        "email": f"{uuid.uuid4().hex[:12]}@example.com",
        "phone": f"(201) 555-{line:04d}",
        "e164": f"+1201555{line:04d}",
    }


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"Screenshots of every step: {SCREENSHOTS}")
