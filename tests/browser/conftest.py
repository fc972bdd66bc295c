"""The app under uvicorn on a free loopback port, driven by Debian's Chromium
through Playwright (Playwright's own browser download is not used)."""

import os
import uuid

import pytest
from browsing import CHROMIUM, CHROMIUM_ARGS, NO_LIMITS, SCREENSHOTS, live_app
from support import JENNY


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


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """One app for the session; limits are off here (the attack suite covers them)."""
    with live_app(
        tmp_path_factory.mktemp("live"), "the app for the browser", send_timeout_seconds=5, **NO_LIMITS
    ) as app:
        yield app


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
