"""The wait before a new code, in a real browser: it counts down in the page's
language, and until it ends the buttons say they wait (focusable, read with the
reason) and pressing one sends nothing. Without JavaScript it stays as it was."""

import pytest
from browsing import DESKTOP, fill_signup, live_app, settled, shoot
from support import JENNY

WAIT = 4


@pytest.fixture(scope="module")
def cooling(tmp_path_factory):
    with live_app(
        tmp_path_factory.mktemp("cooling"), "the app with a resend wait", resend_cooldown_seconds=WAIT
    ) as app:
        yield app


def _at_code(chromium, cooling, phone: str, **context):
    playwright, browser = chromium
    page = browser.new_context(base_url=cooling.url, **{**DESKTOP, **context}).new_page()
    page.set_default_timeout(10_000)
    page.goto("/")
    fill_signup(page, {**JENNY, "email": f"wait{phone[-4:]}@example.com", "phone": phone})
    page.click("form[action='/signup'] button[type=submit]")
    page.wait_for_selector("#code")
    settled(page)
    return page


def _hint(page) -> str:
    return page.inner_text("#resend-wait")


def test_the_wait_counts_down_and_the_buttons_wait_with_it(chromium, cooling):
    page = _at_code(chromium, cooling, "(201) 555-0301")
    resend = page.get_by_role("button", name="Text me a new code")
    assert resend.get_attribute("aria-disabled") == "true"
    assert resend.get_attribute("aria-describedby") == "resend-wait"  # read with the reason
    page.wait_for_function("() => document.getElementById('resend-wait').textContent.includes('in 2 seconds')")
    shoot(page, "resend-wait-counting")
    resend.focus()
    page.keyboard.press("Enter")  # still focusable; pressing it sends nothing and says nothing new
    page.wait_for_timeout(300)
    assert cooling.texts_to("+12015550301") == 1 and page.locator(".notice--error:visible").count() == 0
    page.wait_for_function("() => document.getElementById('resend-wait').hidden")
    assert resend.get_attribute("aria-disabled") is None and resend.get_attribute("aria-describedby") is None
    resend.click()
    page.wait_for_selector("text=We sent a new code to")
    assert cooling.texts_to("+12015550301") == 2


def test_the_wait_counts_down_in_the_pages_own_plural_forms(chromium, cooling):
    page = _at_code(chromium, cooling, "(201) 555-0302", locale="ar")
    # Arabic says two seconds in a form of its own (the dual), with no number in it.
    page.wait_for_function("() => document.getElementById('resend-wait').textContent.includes('ثانيتين')")
    page.wait_for_function("() => document.getElementById('resend-wait').textContent.includes('ثانية واحدة')")


def test_without_javascript_the_wait_stays_as_it_was_said(chromium, cooling):
    page = _at_code(chromium, cooling, "(201) 555-0303", java_script_enabled=False)
    assert _hint(page) == f"You can ask for a new code in {WAIT} seconds."
    resend = page.get_by_role("button", name="Text me a new code")
    assert resend.get_attribute("aria-disabled") is None  # nothing would ever take it off
    resend.click()
    page.wait_for_selector("#step .notice--error")
    assert cooling.texts_to("+12015550303") == 1
