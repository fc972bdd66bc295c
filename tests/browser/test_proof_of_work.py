"""Proof of work in a real browser: near a shared ceiling, static/proof.js works out
the puzzle and asks for the code by itself; a button pressed meanwhile waits for it.
(Without JavaScript the visitor waits: tests/flows/test_proof_of_work.py.)"""

import pytest
from browsing import fill_signup, live_app, shoot
from support import JENNY


@pytest.fixture(scope="module")
def near(tmp_path_factory):
    """An app whose ranges take two codes an hour: after one, new visitors are asked."""
    with live_app(
        tmp_path_factory.mktemp("near"),
        "the app near its ceiling",
        sends_per_prefix_hour=2,
        proof_of_work_difficulty=20_000,
        proof_of_work_wait_seconds=2,
    ) as app:
        yield app.url, app.outbox


def _signed_up(chromium, near, phone: str, **context):
    """A new visitor's signup to `phone` ("(201) 555-0001"), up to its code step."""
    playwright, browser = chromium
    url, _ = near
    page = browser.new_context(base_url=url, **context).new_page()
    page.set_default_timeout(15_000)
    page.goto("/")
    fill_signup(page, {**JENNY, "email": f"{phone[-4:]}{phone[1:4]}@example.com", "phone": phone})
    page.click("text=Send me a code")
    # The code step: its code field shows once a code went, and the resend form goes once the
    # range's hour is spent (this app's ranges take two), which a quick puzzle may already have done.
    page.wait_for_selector("h1:text-is('Check your phone')")
    return page


def test_near_a_ceiling_the_browser_proves_itself_and_the_code_goes_out(chromium, near):
    url, outbox = near
    _signed_up(chromium, near, "(201) 555-0001")  # the range's first code: half its hour
    page = _signed_up(chromium, near, "(201) 555-0002")
    page.wait_for_selector("text=We sent a new code to")
    assert len(outbox.messages("+12015550002")) == 1
    shoot(page, "proof-of-work-sent")


def test_without_javascript_the_visitor_waits_then_asks(chromium, near):
    url, outbox = near
    _signed_up(chromium, near, "(415) 555-0001")
    page = _signed_up(chromium, near, "(415) 555-0002", java_script_enabled=False)
    assert "press “Text me a new code” in 2 seconds" in page.inner_text("#proof-wait")
    assert outbox.messages("+14155550002") == []
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Text me a new code").click()
    page.wait_for_selector("text=We sent a new code to")
    assert len(outbox.messages("+14155550002")) == 1
