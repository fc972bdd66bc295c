"""The code step with Twilio configured (local codes, Twilio Messages and Calls, on the loopback
fake): a text the carrier could not deliver offers a call, live, and the call's progress shows
as Twilio's signed callbacks arrive."""

import httpx
import pytest
from browsing import NO_LIMITS, fill_signup
from fresh_db import fresh_database
from support import app_settings, free_port, served

from app import create_app

STATUS_CALLBACK = "/webhooks/twilio/status"


@pytest.fixture(scope="module")
def twilio_site(tmp_path_factory, fake_server):
    """The app texting and calling through the fake Twilio; its callbacks come back to it."""
    providers, fake_url = fake_server
    folder = tmp_path_factory.mktemp("calls")
    port = free_port()
    with fresh_database(folder) as database_url:
        settings = app_settings(
            folder,
            database_url,
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            sms_provider="twilio",
            twilio_account_sid=providers.account_sid,
            twilio_auth_token=providers.auth_token,
            twilio_number="+15005550006",
            twilio_api_url=fake_url + "/",
            send_timeout_seconds=5,
            **NO_LIMITS,
        )
        with served(create_app(settings), "the app with Twilio", port=port) as url:
            yield url


def deliver_callbacks(fake) -> None:
    """What Twilio would post, signed, in the order it happened."""
    for callback in fake.callbacks:
        answer = httpx.post(callback.url, data=callback.params, headers={"X-Twilio-Signature": callback.signature})
        assert answer.status_code == 204
    fake.callbacks.clear()


def test_an_undelivered_text_offers_a_call_and_its_progress_shows_live(chromium, twilio_site, fake, person):
    playwright, browser = chromium
    context = browser.new_context(base_url=twilio_site, **playwright.devices["Pixel 7"])
    page = context.new_page()
    page.goto("/")
    fake.unreachable.add(person["e164"])
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    deliver_callbacks(fake)  # sent, then undelivered (30003)
    page.wait_for_selector("text=Your carrier couldn't deliver the text. We can call you instead.", timeout=15_000)
    offered = page.locator("#delivery button[value=call]")
    assert offered.is_visible() and offered.inner_text() == "Call me with a code"
    offered.click()
    page.wait_for_selector("text=Calling")
    deliver_callbacks(fake)  # ringing, in-progress, completed
    page.wait_for_selector("text=We called you and read the code.", timeout=20_000)
    page.fill("#code", fake.last_code(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")
    context.close()
