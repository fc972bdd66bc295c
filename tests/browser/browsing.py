"""What the browser tests share: where Chromium is, the app they drive, screenshots,
and a few questions asked of a page (what has focus, is it visible, what was announced)."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fresh_db import fresh_database
from support import Outbox, app_settings, served

from app import create_app

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# No background traffic: the machine reaches nothing but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
# The limits are off for browser tests (the attack suite covers them).
NO_LIMITS = {
    "resend_cooldown_seconds": 0,
    "sends_per_number_hour": 0,
    "sends_per_number_day": 0,
    "sends_per_address_hour": 0,
    "signups_per_address_hour": 0,
    "sends_per_minute": 0,
    "password_failures_per_address": 0,
    "sends_per_prefix_hour": 0,
    "sends_per_country_hour": 0,
    "conversion_min_percent": 0,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONES = ["Pixel 7", "iPhone 13"]


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def settled(page) -> None:
    """htmx has finished every request, swap and settle (its classes are gone)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def focused(page) -> str:
    """The id (or tag) of the element with focus, once htmx has settled."""
    settled(page)
    return page.evaluate("document.activeElement.id || document.activeElement.tagName.toLowerCase()")


def tab_to(page, selector: str, most: int = 60) -> None:
    """Tab forward until `selector` has focus, as a keyboard alone would."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"the keyboard never reached {selector}")


def focus_ring(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def announced(page) -> str:
    """What the status region says (a number kept on one line reads with plain spaces and hyphens)."""
    return page.inner_text("#status").replace("\u00a0", " ").replace("\u2011", "-")


def heading(page) -> str:
    return page.inner_text("h1")


def fill_signup(page, person: dict) -> None:
    page.fill("#name", person["name"])
    page.fill("#email", person["email"])
    page.fill("#password", person["password"])
    page.select_option("#country", person["country"])
    page.fill("#phone", person["phone"])


def signed_up(page, live, person: dict) -> None:
    """Sign up and verify through the page."""
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")


def verified_account(page, live, person: dict) -> None:
    """Sign up and verify through the page, then sign out: an account to come back to."""
    signed_up(page, live, person)
    page.click("text=Sign out")
    page.wait_for_selector("h1:text-is('Sign in')")


def submit(page, action: str) -> None:
    page.click(f"form[action='{action}'] button[type=submit] >> nth=0")
    settled(page)


def every_step(page, live, person):
    """Walks every step in turn, yielding each one's name once it is on screen."""
    yield "signup"
    submit(page, "/signup")
    yield "signup-errors"
    fill_signup(page, person)
    submit(page, "/signup")
    yield "code"
    page.fill("#code", "000000")
    submit(page, "/code")
    yield "wrong-code"
    submit(page, "/number/change")
    yield "different-number"
    submit(page, "/number")
    page.fill("#code", live.code_for(person["e164"]))
    submit(page, "/code")
    yield "account"
    for address, name in [
        ("/account/password", "password"),
        ("/account/mobile", "new-number"),
        ("/account/close", "close"),
    ]:
        page.goto(address)
        yield name
    page.goto("/")
    submit(page, "/signout")
    page.goto("/signin")
    yield "signin"
    page.fill("#email", person["email"])
    page.fill("#password", person["password"])
    submit(page, "/signin")
    yield "signin-code"
    submit(page, "/signout")
    page.goto("/password/forgot")
    yield "reset"
    texts = live.texts_to(person["e164"])
    page.fill("#email", person["email"])
    submit(page, "/password/forgot")
    yield "reset-code"
    page.fill("#code", live.next_code_for(person["e164"], texts))
    submit(page, "/code")
    yield "new-password"
    page.goto("/nowhere")
    yield "not-found"


def swapped(page, selector: str) -> None:
    """Click, and wait until htmx has put a new step in place of the old one
    (the old one may carry the same message, so waiting for it would not do)."""
    page.evaluate("document.getElementById('step').dataset.old = 'yes'")
    page.click(selector)
    page.locator("#step:not([data-old])").wait_for()  # a selector, not a script: the CSP forbids eval
    settled(page)  # and typed into only once htmx and app.js are done with the new step


class LiveApp:
    def __init__(self, url: str, outbox: Outbox, database_url: str = ""):
        self.url = url
        self.outbox = outbox
        self.database_url = database_url

    def code_for(self, e164: str) -> str:
        return self.outbox.last_code(e164)

    def texts_to(self, e164: str) -> int:
        return len(self.outbox.messages(e164))

    def next_text_to(self, e164: str, after: int, seconds: float = 10) -> str:
        """A text sent after the answer (through the outbox): waited for, up to a deadline."""
        deadline = time.monotonic() + seconds
        while self.texts_to(e164) <= after:
            assert time.monotonic() < deadline, f"no new text reached {e164} within {seconds} s"
            time.sleep(0.05)
        return str(self.outbox.messages(e164)[-1]["body"])

    def next_code_for(self, e164: str, after: int, seconds: float = 10) -> str:
        """The code of a text sent after the answer (a reset's)."""
        self.next_text_to(e164, after, seconds)
        return self.code_for(e164)


@contextmanager
def live_app(folder: Path, what: str, **changes) -> Iterator[LiveApp]:
    """The app with these settings under uvicorn, on a fresh database in `folder`."""
    with fresh_database(folder) as database_url:
        settings = app_settings(folder, database_url, **changes)
        outbox = Outbox(Path(settings.sms_outbox))
        with served(create_app(settings, sender=outbox), what, port=settings.port if "port" in changes else 0) as url:
            yield LiveApp(url, outbox, database_url)
