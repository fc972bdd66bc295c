"""The account after signup in a real browser: a forgotten password by keyboard
alone, every setting by keyboard, without JavaScript, and on a phone."""

import pytest
from browsing import (
    DESKTOP,
    PHONES,
    announced,
    focus_ring,
    focused,
    heading,
    shoot,
    signed_up,
    verified_account,
)

NEW_PASSWORD = "a brand new passphrase for jenny"


def _tab_to(page, text: str, most: int = 15) -> None:
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            assert focus_ring(page) != "none"
            return
    raise AssertionError(f"{text!r} is not reachable by Tab")


def test_a_forgotten_password_by_keyboard_alone(open_page, live, person):
    page = open_page(DESKTOP)
    verified_account(page, live, person)
    page.goto("/signin")
    keys = page.keyboard
    _tab_to(page, "Forgot your password?")
    keys.press("Enter")
    page.wait_for_selector("text=Reset your password")
    assert focused(page) == "email"
    shoot(page, "desktop-9-forgot")
    texts = live.texts_to(person["e164"])
    keys.type(person["email"])
    keys.press("Enter")
    page.wait_for_selector("#code")
    assert focused(page) == "code"
    assert f"If {person['email']} has an account" in page.inner_text(".lead")
    shoot(page, "desktop-10-reset-code")
    keys.type(live.next_code_for(person["e164"], texts))
    keys.press("Enter")
    page.wait_for_selector("text=Choose a new password")
    assert focused(page) == "password"
    shoot(page, "desktop-11-new-password")
    keys.type(NEW_PASSWORD)
    keys.press("Enter")
    page.wait_for_selector("text=Hi there")
    assert focused(page) == "step-title"
    assert "Your password is changed" in announced(page)


def test_every_setting_by_keyboard_alone(open_page, live, person):
    page = open_page(DESKTOP)
    signed_up(page, live, person)
    keys = page.keyboard
    shoot(page, "desktop-12-account")
    _tab_to(page, "Change your password")
    keys.press("Enter")
    page.wait_for_selector("text=Change your password")
    assert focused(page) == "current_password" and page.url.endswith("/account/password")
    keys.type("not my password")
    keys.press("Tab")  # the field's "Show" button
    keys.press("Tab")
    keys.type(NEW_PASSWORD)
    keys.press("Enter")
    page.wait_for_selector("#current_password-error")
    assert focused(page) == "current_password"
    assert page.input_value("#new_password") == NEW_PASSWORD  # nothing wrong with it: kept
    shoot(page, "desktop-13-password-wrong")
    keys.type(person["password"])
    keys.press("Enter")
    page.wait_for_selector("text=Hi there")
    assert focused(page) == "step-title" and page.url.endswith("/")
    _tab_to(page, "Change your mobile number")
    keys.press("Enter")
    page.wait_for_selector("text=Change your mobile number")
    assert focused(page) == "phone"
    shoot(page, "desktop-14-mobile")
    page.select_option("#country", "GB")
    keys.type("+44 7400 123456")
    keys.press("Enter")
    page.wait_for_selector("#code")
    assert focused(page) == "code" and "your current number" in page.inner_text(".lead")
    keys.type(live.code_for(person["e164"]))
    keys.press("Enter")
    page.wait_for_selector(".lead:has-text('your new number')")
    assert focused(page) == "code"
    shoot(page, "desktop-15-new-number-code")
    keys.type(live.code_for("+447400123456"))
    keys.press("Enter")
    page.wait_for_selector("text=Hi there")
    assert "Your mobile number is now +44 •••• ••3456." in announced(page)
    _tab_to(page, "Close your account")
    keys.press("Enter")
    page.wait_for_selector("text=Close your account")
    assert focused(page) == "confirm"
    shoot(page, "desktop-16-close")
    keys.press("Space")
    _tab_to(page, "Close my account")
    keys.press("Enter")
    page.wait_for_selector("h1:text-is('Sign in')")
    assert "Your account is closed" in announced(page)


def test_the_settings_work_without_javascript(open_page, live, person):
    page = open_page(DESKTOP, java_script_enabled=False)
    signed_up(page, live, person)
    page.click("text=Change your mobile number")
    assert heading(page) == "Change your mobile number"
    page.select_option("#country", "GB")
    page.fill("#phone", "+44 7400 654321")
    page.click("button:has-text('Send me a code')")
    assert heading(page) == "Check your phone"
    page.click("text=Keep my current number")
    assert heading(page) == f"Hi there {person['name']}!"
    page.click("text=Close your account")
    page.click("button:has-text('Close my account')")
    assert "Tick the box" in page.inner_text(".error-summary")
    page.check("#confirm")
    page.click("button:has-text('Close my account')")
    page.wait_for_selector("h1:text-is('Sign in')")
    assert "Your account is closed" in page.inner_text("#step")


def test_a_forgotten_password_without_javascript(open_page, live, person):
    page = open_page(DESKTOP, java_script_enabled=False)
    verified_account(page, live, person)
    page.goto("/password/forgot")
    texts = live.texts_to(person["e164"])
    page.fill("#email", person["email"])
    page.click("button:has-text('Send me a code')")
    assert heading(page) == "Check your phone"
    page.fill("#code", live.next_code_for(person["e164"], texts))
    page.click("button:has-text('Continue')")
    assert heading(page) == "Choose a new password"
    page.fill("#password", NEW_PASSWORD)
    page.click("button:has-text('Save and sign in')")
    assert heading(page) == f"Hi there {person['name']}!"


@pytest.mark.parametrize("device", PHONES)
def test_the_account_and_its_settings_fit_a_phone(open_page, live, person, device):
    page = open_page(device)
    signed_up(page, live, person)
    slug = device.lower().replace(" ", "-")
    for path in ("/", "/account/password", "/account/mobile", "/account/close", "/password/forgot"):
        if path == "/password/forgot":
            page.goto("/")
            page.click("button:text-is('Sign out')")
            page.wait_for_selector("h1:text-is('Sign in')")
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
        small = page.evaluate("""() => [...document.querySelectorAll("a, button, input, select")]
            .filter(el => el.offsetParent !== null && el.type !== "hidden")
            .filter(el => { const box = el.getBoundingClientRect(); return box.width < 44 || box.height < 44; })
            .map(el => el.outerHTML.slice(0, 80))""")
        assert small == [], (path, small)
        shoot(page, f"{slug}-7-{path.strip('/').replace('/', '-') or 'account'}")
