"""Another app signs its users in here: the example in examples/ (authlib's own client),
run as the README says, with a new visitor who signs up from it in Chromium, verifies
their phone and lands back in it with a verified number."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from browsing import fill_signup, live_app, settled, shoot
from support import JENNY, SECRET, free_port

ROOT = Path(__file__).resolve().parents[2]
PERSON = {**JENNY, "email": "prints@example.com", "phone": "(201) 555-0143", "e164": "+12015550143"}


@pytest.fixture(scope="module")
def accounts(tmp_path_factory):
    """The accounts app at an address fixed before it starts: its issuer (PUBLIC_URL)."""
    port = free_port()
    folder = tmp_path_factory.mktemp("accounts")
    with live_app(
        folder, "the accounts app", port=port, public_url=f"http://127.0.0.1:{port}", resend_cooldown_seconds=0
    ) as app:
        app.folder = folder
        yield app


def command(accounts, *arguments: str) -> dict:
    """`python app.py …` against the accounts app's database, as an operator types it."""
    environment = {
        **os.environ,
        "APP_ENV": "test",
        "APP_SECRET": SECRET,
        "DATABASE_URL": accounts.database_url,
        "SMS_OUTBOX": str(accounts.folder / "cli-outbox.jsonl"),
    }
    done = subprocess.run(
        [sys.executable, "app.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def photo_prints(accounts):
    port = free_port()
    here = f"http://127.0.0.1:{port}"
    client = command(
        accounts,
        "clients",
        "add",
        "--name",
        "Photo Prints",
        "--redirect-uri",
        f"{here}/callback",
        "--post-logout-redirect-uri",
        f"{here}/",
    )
    environment = {
        **os.environ,
        "ACCOUNTS_URL": accounts.url,
        "PORT": str(port),
        "CLIENT_ID": client["client_id"],
        "CLIENT_SECRET": client["client_secret"],
    }
    example = subprocess.Popen(
        [sys.executable, "examples/photo_prints.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(here, timeout=1)
            break
        except httpx.TransportError:
            assert example.poll() is None, example.stderr.read().decode()
            assert time.monotonic() < deadline, "the example did not start"
            time.sleep(0.1)
    yield here
    example.terminate()
    example.wait(10)
    example.stderr.close()


@pytest.fixture
def browser_page(chromium):
    playwright, browser = chromium
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_a_new_visitor_signs_up_from_the_example_and_lands_back_in_it_verified(browser_page, accounts, photo_prints):
    page = browser_page
    page.goto(photo_prints)
    page.click("text=Create an account")
    page.wait_for_selector("#name")
    settled(page)
    assert "To go on to Photo Prints" in page.inner_text("#step")
    fill_signup(page, PERSON)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    page.fill("#code", accounts.code_for(PERSON["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Allow Photo Prints to sign you in?")  # a third-party app: the visitor says so
    assert "Your mobile number, verified by a code" in page.inner_text("#step")
    page.click("button[value=allow]")
    page.wait_for_selector("#claims")
    assert page.url.startswith(photo_prints)
    claims = json.loads(page.inner_text("#claims"))
    assert claims["phone_number"] == PERSON["e164"] and claims["phone_number_verified"] is True
    assert claims["email_verified"] is False and claims["name"] == PERSON["name"]

    page.click("text=Sign out")  # out of the example and, by its ID token, of the accounts app too
    page.wait_for_selector("text=Sign in with your phone")
    page.goto(accounts.url)
    assert page.locator("h1").inner_text() == "Create your account"


def test_without_javascript_every_form_on_the_way_lands_back_in_the_app(chromium, accounts, photo_prints):
    """Plain posts answered with redirects that end at the app: each page's policy lets its form go there."""
    playwright, browser = chromium
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    person = {**PERSON, "email": "plain@example.com", "phone": "(201) 555-0144", "e164": "+12015550144"}
    page.goto(photo_prints)
    page.click("text=Create an account")
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.fill("#code", accounts.code_for(person["e164"]))
    page.click("text=Verify")
    page.click("button[value=allow]")
    page.wait_for_selector("#claims")
    assert json.loads(page.inner_text("#claims"))["phone_number"] == person["e164"]
    context.close()


def test_on_a_phone_in_arabic_by_keyboard_every_page_of_the_way_is_clean(chromium, accounts, photo_prints):
    """The banner, the consent step, the account page's apps and the logout question: axe finds
    nothing, nothing leaves the screen, and the consent is given with the keyboard alone."""
    from axe_playwright_python.sync_playwright import Axe

    playwright, browser = chromium
    phone = {k: v for k, v in playwright.devices["Pixel 7"].items() if k != "default_browser_type"}
    context = browser.new_context(**phone, locale="ar-EG")
    page = context.new_page()
    person = {**PERSON, "email": "arabic@example.com", "phone": "(201) 555-0145", "e164": "+12015550145"}
    axe, found = Axe(), {}

    def check(name: str) -> None:
        settled(page)
        shoot(page, f"app-{name.replace(' ', '-')}-ar-phone")
        violations = axe.run(page).response["violations"]
        found[name] = [violation["id"] for violation in violations]
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} overflows"

    page.goto(photo_prints)
    page.click("text=Create an account")
    page.wait_for_selector("#name")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check("signup for an app")
    fill_signup(page, person)
    page.locator("#phone").press("Enter")
    page.wait_for_selector("#code")
    page.fill("#code", accounts.code_for(person["e164"]))
    page.locator("#code").press("Enter")
    page.wait_for_selector("button[value=allow]")
    check("consent")
    assert page.evaluate("document.activeElement.id") == "step-title"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == "allow"
    page.keyboard.press("Enter")
    page.wait_for_selector("#claims")
    page.goto(accounts.url)
    page.wait_for_selector(".apps")
    check("the account's apps")
    page.goto(f"{accounts.url}/logout")  # no hint: the visitor is asked
    check("logout question")
    context.close()
    assert found == {name: [] for name in found}
