"""Coming back in a real browser: password, then the code, by keyboard alone,
without JavaScript, and on a phone; a throttled email says when to come back."""

import re

import pytest
from browsing import (
    DESKTOP,
    PHONES,
    announced,
    focus_ring,
    focused,
    heading,
    shoot,
    swapped,
    verified_account,
)


def test_signing_in_by_keyboard_alone(open_page, live, person):
    page = open_page(DESKTOP)
    verified_account(page, live, person)
    page.goto("/signin")
    keys = page.keyboard
    assert focused(page) == "email"
    keys.type(person["email"])
    keys.press("Tab")
    keys.type(person["password"])
    keys.press("Enter")
    page.wait_for_selector("#code")
    assert focused(page) == "code" and focus_ring(page) != "none"
    assert heading(page) == "Check your phone"
    assert "to finish signing in" in page.inner_text(".lead")
    shoot(page, "desktop-6-sign-in-code")
    keys.type(live.code_for(person["e164"]))
    keys.press("Tab")
    assert focused(page) == "remember" and focus_ring(page) != "none"
    keys.press("Space")
    assert page.is_checked("#remember")
    keys.press("Enter")
    page.wait_for_selector("text=Hi there")
    assert focused(page) == "step-title"
    assert announced(page) == f"Welcome back, {person['name']}."
    shoot(page, "desktop-7-signed-in")


def test_a_remembered_browser_needs_no_code_without_javascript(open_page, live, person):
    page = open_page(DESKTOP, java_script_enabled=False)
    verified_account(page, live, person)
    for remember in (True, False):
        page.goto("/signin")
        page.fill("#email", person["email"])
        page.fill("#password", person["password"])
        page.click("button:has-text('Sign in')")
        if not remember:
            break
        assert heading(page) == "Check your phone"
        page.fill("#code", live.code_for(person["e164"]))
        page.check("#remember")
        page.click("button:has-text('Sign in')")
        assert heading(page) == f"Hi there {person['name']}!"
        page.click("text=Sign out")
    assert heading(page) == f"Hi there {person['name']}!"  # the second time, straight in


def test_a_throttled_email_says_when_to_try_again(open_page, live, person):
    page = open_page(DESKTOP)
    verified_account(page, live, person)
    page.goto("/signin")
    for n in range(11):
        page.fill("#email", person["email"])
        page.fill("#password", f"wrong guess {n}")
        swapped(page, "button:has-text('Sign in')")
    # Ten wrong passwords in fifteen minutes: the next may come 90 s after the tenth.
    assert re.search(r"Too many tries for this email\. Try again in [12] minutes?\.", page.inner_text("#step"))
    assert re.search(r"Try again in [12] minutes?", announced(page))
    assert page.input_value("#email") == person["email"]
    assert page.locator("#passkey-error").count() == 1 and page.locator("#passkey-error").is_hidden()  # autofill's own
    shoot(page, "desktop-8-sign-in-throttled")


@pytest.mark.parametrize("device", PHONES)
def test_the_sign_in_code_step_fits_a_phone(open_page, live, person, device):
    page = open_page(device)
    verified_account(page, live, person)
    page.goto("/signin")
    page.fill("#email", person["email"])
    page.fill("#password", person["password"])
    page.tap("button:has-text('Sign in')")
    page.wait_for_selector("#code")
    box = page.locator("#remember").bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, f"{device.lower().replace(' ', '-')}-6-sign-in-code")
