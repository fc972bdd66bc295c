"""Every step in every language at phone size: a screenshot of each (var/screenshots/),
nothing wider than the screen, <html lang dir> right; in Arabic the layout mirrors and
axe finds nothing. The switcher works from the keyboard alone."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import every_step, fill_signup, settled, shoot

from components.language import LANGUAGES

AXE = Axe()


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_step_fits_a_phone_and_reads_in_its_direction(open_page, live, person, code):
    page = open_page("Pixel 7", locale=code)
    direction = LANGUAGES[code].direction
    problems = {}
    for step in every_step(page, live, person):
        settled(page)
        shoot(page, f"language-{code}-{step}")
        found = []
        if page.evaluate("[document.documentElement.lang, document.documentElement.dir]") != [code, direction]:
            found.append("lang/dir")
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            found.append("wider than the screen")
        if code == "ar":
            found += [f"{v['id']} ({len(v['nodes'])})" for v in AXE.run(page).response["violations"]]
            if not page.evaluate(_MIRRORED):
                found.append("not mirrored")
        if found:
            problems[step] = found
    assert problems == {}


# Right to left: the brand on the right, the switcher (links or buttons) from the right (English first), each label
# at the right of its field.
_MIRRORED = """() => {
  const box = (el) => el.getBoundingClientRect();
  const brand = box(document.querySelector('.brand'));
  const links = [...document.querySelectorAll('.languages a, .languages button')].map(box);
  const labels = [...document.querySelectorAll('.field > label')].filter((l) => l.offsetParent);
  const fields = labels.map((l) => [box(l), box(document.getElementById(l.htmlFor))]);
  return brand.right > window.innerWidth / 2 && links[0].left > links[links.length - 1].left
    && fields.every(([label, field]) => Math.abs(label.right - field.right) < 2);
}"""


def test_the_language_switcher_works_from_the_keyboard(open_page):
    page = open_page("Pixel 7", locale="en-GB")
    for _ in range(10):  # back from the first field (it has focus) to the switcher
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.getAttribute('hreflang')") == "ar":
            break
    page.keyboard.press("Enter")
    page.locator("html[lang=ar]").wait_for(state="attached")  # a selector, not a script: the CSP forbids eval
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.get_attribute(".languages [aria-current]", "hreflang") == "ar"
    page.goto("/signin")  # remembered for the next page, whatever the browser asks for
    assert page.evaluate("document.documentElement.lang") == "ar"


def test_switching_language_keeps_what_was_typed_but_the_password(open_page, person):
    page = open_page("Pixel 7")
    fill_signup(page, {**person, "country": "GB", "phone": "07400 123456"})
    page.click("#languages a[lang=fr]")
    page.wait_for_selector("html[lang=fr]")
    settled(page)
    assert [page.input_value(f"#{name}") for name in ("name", "email", "country", "phone")] == [
        person["name"],
        person["email"],
        "GB",
        "07400 123456",
    ]
    assert page.input_value("#password") == ""  # never kept anywhere
