"""axe-core finds nothing on any step, errors included; messages reach the live region."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import DESKTOP, announced, fill_signup, settled, shoot, signed_up, swapped

AXE = Axe()


def _violations(page, shot: str | None = None) -> list[str]:
    settled(page)
    if shot:
        shoot(page, shot)
    results = AXE.run(page)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_violations_on_any_step(open_page, live, person, scheme):
    page = open_page(DESKTOP, color_scheme=scheme)
    seen = {"signup": _violations(page, f"{scheme}-signup")}
    fill_signup(page, {**person, "email": "nope", "phone": "12"})
    page.click("text=Send me a code")
    page.wait_for_selector(".error-summary")
    seen["signup errors"] = _violations(page, f"{scheme}-signup-errors")
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    seen["code"] = _violations(page, f"{scheme}-code")
    page.fill("#code", "000000")
    page.click("text=Verify")
    page.wait_for_selector("#code-error")
    seen["wrong code"] = _violations(page, f"{scheme}-wrong-code")
    page.click("text=Use a different number")
    page.wait_for_selector("text=Change your number")
    seen["change number"] = _violations(page, f"{scheme}-change-number")
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")
    seen["verified"] = _violations(page, f"{scheme}-verified")
    page.click("text=Sign out")
    page.wait_for_selector("h1:text-is('Sign in')")  # signed out before leaving the page
    page.goto("/signin")
    seen["sign in"] = _violations(page, f"{scheme}-sign-in")
    page.fill("#email", person["email"])
    page.fill("#password", "wrong password")
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("#step .notice--error")
    seen["sign in error"] = _violations(page, f"{scheme}-sign-in-error")
    page.fill("#password", person["password"])
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("#remember")
    seen["sign in code"] = _violations(page, f"{scheme}-sign-in-code")
    page.fill("#code", "000000")
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("#code-error")
    seen["sign in wrong code"] = _violations(page, f"{scheme}-sign-in-wrong-code")
    page.click("text=Sign in as someone else")
    page.wait_for_selector("h1:text-is('Sign in')")
    page.goto("/signin")
    for n in range(10):
        page.fill("#email", person["email"])
        page.fill("#password", f"wrong {n}")
        swapped(page, "button:has-text('Sign in')")
    seen["sign in throttled"] = _violations(page, f"{scheme}-sign-in-throttled")
    assert "Too many tries" in page.inner_text("#step")
    assert {step: found for step, found in seen.items() if found} == {}


def test_errors_and_news_are_announced_in_the_live_region(open_page, live, person):
    page = open_page(DESKTOP)
    region = page.locator("#status")
    assert region.get_attribute("role") == "status" and region.get_attribute("aria-live") == "polite"
    fill_signup(page, {**person, "name": ""})
    page.click("text=Send me a code")
    page.wait_for_selector(".error-summary")
    assert announced(page) == "There is a problem: Enter your full name"
    region_handle = region.element_handle()
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    assert announced(page) == "Check your messages for the code."
    assert page.evaluate("(el) => el.isConnected && el === document.getElementById('status')", region_handle)


def test_axe_does_report_what_it_should(open_page):
    page = open_page(DESKTOP)
    page.evaluate("document.querySelector('label[for=name]').remove()")
    assert any(found.startswith("label:") for found in _violations(page))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_violations_on_the_account_journeys(open_page, live, person, scheme):
    page = open_page(DESKTOP, color_scheme=scheme)
    signed_up(page, live, person)
    seen = {"account": _violations(page, f"{scheme}-account")}
    page.click("text=Change your password")
    page.wait_for_selector("#current_password")
    seen["password"] = _violations(page, f"{scheme}-password")
    swapped(page, "button:has-text('Change my password')")
    seen["password errors"] = _violations(page, f"{scheme}-password-errors")
    page.goto("/account/mobile")
    seen["new number"] = _violations(page, f"{scheme}-new-number")
    page.select_option("#country", "GB")
    page.fill("#phone", "+44 7400 123456")
    page.click("button:has-text('Send me a code')")
    page.wait_for_selector("#code")
    seen["new number code"] = _violations(page, f"{scheme}-new-number-code")
    page.click("text=Keep my current number")
    page.wait_for_selector("text=Hi there")
    seen.update(_waiting_number_change(page, live, person, scheme))
    page.goto("/account/close")
    swapped(page, "button:has-text('Close my account')")
    seen["close errors"] = _violations(page, f"{scheme}-close-errors")
    page.goto("/")
    page.click("button:text-is('Sign out')")
    page.wait_for_selector("h1:text-is('Sign in')")
    page.goto("/privacy")
    seen["privacy"] = _violations(page, f"{scheme}-privacy")
    page.goto("/password/forgot")
    seen["reset"] = _violations(page, f"{scheme}-reset")
    texts = live.texts_to(person["e164"])
    page.fill("#email", person["email"])
    page.click("button:has-text('Send me a code')")
    page.wait_for_selector("#code")
    seen["reset code"] = _violations(page, f"{scheme}-reset-code")
    page.fill("#code", live.next_code_for(person["e164"], texts))
    page.click("button:has-text('Continue')")
    page.wait_for_selector("#password")
    seen["new password"] = _violations(page, f"{scheme}-new-password")
    assert {step: found for step, found in seen.items() if found} == {}


def _waiting_number_change(page, live, person, scheme) -> dict[str, list[str]]:
    """The current number can no longer get texts: the account page's notice, and the page
    the link texted to the current number opens (in Arabic too)."""
    seen, new = {}, "+447400200001" if scheme == "light" else "+447400200002"
    page.goto("/account/mobile")
    page.select_option("#country", "GB")
    page.fill("#phone", new)
    page.check("#current_gone")
    page.click("button:has-text('Send me a code')")
    page.wait_for_selector("#code")
    page.fill("#code", live.code_for(new))
    page.click("button:has-text('Change my number')")
    page.wait_for_selector("text=Cancel the number change")
    seen["waiting change"] = _violations(page, f"{scheme}-waiting-number-change")
    link = live.outbox.messages(person["e164"])[-1]["body"].rsplit("localhost", 1)[1]
    for language in ("en", "ar"):
        page.goto(f"/language/{language}")
        page.goto(link)
        seen[f"cancel change {language}"] = _violations(page, f"{scheme}-cancel-number-change-{language}")
    page.click("button:has-text('إلغاء تغيير الرقم')")
    page.wait_for_selector("#step .notice")
    seen["change cancelled ar"] = _violations(page, f"{scheme}-number-change-cancelled-ar")
    page.goto("/language/en")
    return seen
