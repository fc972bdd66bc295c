"""The devices and activity pages in Chromium: on a phone, by keyboard alone, in Arabic and
English, with nothing for axe; another browser signed out from here finds itself signed out."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import DESKTOP, fill_signup, settled, shoot, submit, tab_to

AXE = Axe()
TAPPABLE = "a, button, input, select"


def _checked(page, shot: str) -> list[str]:
    """axe's findings; the page neither scrolls sideways nor has a target too small to tap."""
    settled(page)
    shoot(page, shot)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    small = page.evaluate(f"""() => [...document.querySelectorAll("{TAPPABLE}")]
        .filter(el => el.offsetParent !== null && el.type !== "hidden")
        .filter(el => {{ const box = el.getBoundingClientRect(); return box.width < 44 || box.height < 44; }})
        .map(el => el.outerHTML.slice(0, 80))""")
    assert small == [], small
    return [f"{v['id']}: {v['help']}" for v in AXE.run(page).response["violations"]]


def _signed_in_elsewhere(open_page, live, person):
    """The same account on a desktop browser, remembered there."""
    page = open_page(DESKTOP, user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36")
    page.goto("/signin")
    page.fill("#email", person["email"])
    page.fill("#password", person["password"])
    submit(page, "/signin")
    page.fill("#code", live.code_for(person["e164"]))
    page.check("#remember")
    submit(page, "/code")
    page.wait_for_selector(".settings")
    return page


@pytest.mark.parametrize("code", ["ar", "en"])
def test_another_browser_is_signed_out_and_forgotten_by_keyboard_on_a_phone(open_page, live, person, code):
    phone = open_page("Pixel 7", locale=code)
    fill_signup(phone, person)
    submit(phone, "/signup")
    phone.fill("#code", live.code_for(person["e164"]))
    submit(phone, "/code")
    laptop = _signed_in_elsewhere(open_page, live, person)
    phone.goto("/account/devices")
    seen = {"devices": _checked(phone, f"devices-{code}")}
    assert phone.locator(".tag").count() == 1  # this browser, marked
    tab_to(phone, "form[action='/account/devices/sign-out'] button")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("form[action='/account/devices/sign-out']", state="detached")
    seen["signed out"] = _checked(phone, f"devices-{code}-signed-out")
    tab_to(phone, "form[action='/account/devices/forget'] button")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("form[action='/account/devices/forget']", state="detached")
    laptop.reload()
    assert laptop.locator("#email").is_visible()  # its next request: signed out
    phone.goto("/account/activity")
    seen["activity"] = _checked(phone, f"activity-{code}")
    assert phone.locator(".activity li").count() >= 4  # created, signed in elsewhere, signed out, forgotten
    assert seen == {state: [] for state in seen}
