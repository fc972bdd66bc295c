"""On a phone: nothing scrolls sideways (long names and emails wrap inside the card),
every target is big enough to tap, and the keyboards that appear are the right ones."""

import pytest
from browsing import PHONES, every_step, fill_signup, heading, shoot

TAPPABLE = "a, button, input, select"


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _small_targets(page) -> list[str]:
    return page.evaluate(f"""() => [...document.querySelectorAll("{TAPPABLE}")]
        .filter(el => el.offsetParent !== null && el.type !== "hidden")
        .map(el => [el, el.getBoundingClientRect()])
        .filter(([el, box]) => box.width < 44 || box.height < 44)
        .map(([el, box]) => `${{el.tagName}}#${{el.id}} "${{el.textContent.trim()}}" ${{box.width}}x${{box.height}}`)""")


def _check(page, name: str) -> None:
    _no_sideways_scroll(page)
    assert _small_targets(page) == []
    shoot(page, name)


@pytest.mark.parametrize("device", PHONES)
def test_every_step_fits_a_phone(open_page, live, person, device):
    page = open_page(device)
    slug = device.lower().replace(" ", "-")
    phone_field = page.locator("#phone")
    assert phone_field.get_attribute("type") == "tel" and phone_field.get_attribute("autocomplete") == "tel"
    assert page.locator("#email").get_attribute("type") == "email"
    _check(page, f"{slug}-1-signup")
    fill_signup(page, {**person, "password": "short"})
    page.tap("text=Send me a code")
    page.wait_for_selector(".error-summary")
    _check(page, f"{slug}-2-signup-error")
    page.fill("#password", person["password"])
    page.tap("text=Send me a code")
    page.wait_for_selector("#code")
    code = page.locator("#code")
    assert code.get_attribute("inputmode") == "numeric"
    assert code.get_attribute("autocomplete") == "one-time-code"
    assert code.get_attribute("type") == "text"
    _check(page, f"{slug}-3-code")
    page.fill("#code", "000000")
    page.tap("text=Verify")
    page.wait_for_selector("#code-error")
    _check(page, f"{slug}-4-wrong-code")
    page.fill("#code", live.code_for(person["e164"]))
    page.tap("text=Verify")
    page.wait_for_selector("text=Hi there")
    _check(page, f"{slug}-5-verified")


def test_readable_at_320_pixels(open_page, person):
    page = open_page({"viewport": {"width": 320, "height": 640}, "has_touch": True, "is_mobile": True})
    _check(page, "320px-signup")
    assert heading(page) == "Create your account"


# Long values with nowhere to break: each must wrap inside the card, in either direction.
LONG_NAME = "Wolfeschlegelsteinhausenbergerdorff Konstantinopoulou"
OUTSIDE_THE_CARD = """() => {
  const card = document.getElementById("step");
  const edge = card.getBoundingClientRect();
  return [...card.querySelectorAll("*")].filter((el) => el.getClientRects().length)
    .map((el) => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.left < edge.left - 1 || box.right > edge.right + 1)
    .map(([el, box]) => `${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${box.left}..${box.right}`);
}"""


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("code", ["en", "ar"])
def test_long_names_and_emails_wrap_inside_the_card(open_page, live, person, width, code):
    long = {**person, "name": LONG_NAME, "email": f"alexandra.konstantinopoulou{person['email']}"}
    page = open_page({"viewport": {"width": width, "height": 800}, "has_touch": True, "is_mobile": True}, locale=code)
    problems = {}
    for step in every_step(page, live, long):
        found = page.evaluate(OUTSIDE_THE_CARD)
        if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
            found.append("wider than the screen")
        if found:
            problems[step] = found
            shoot(page, f"long-values-{code}-{width}-{step}")
    assert problems == {}
