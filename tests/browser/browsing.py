"""What the browser tests share: where Chromium is, screenshots, and a few
questions asked of a page (what has focus, is it visible, what was announced)."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# No background traffic: the machine reaches nothing but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"))
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONES = ["Pixel 7", "iPhone 13"]


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def focused(page) -> str:
    """The id (or tag) of the element with focus, once htmx has settled."""
    page.wait_for_timeout(50)
    return page.evaluate("document.activeElement.id || document.activeElement.tagName.toLowerCase()")


def focus_ring(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def announced(page) -> str:
    return page.inner_text("#status")


def heading(page) -> str:
    return page.inner_text("h1")


def fill_signup(page, person: dict) -> None:
    page.fill("#name", person["name"])
    page.fill("#email", person["email"])
    page.fill("#password", person["password"])
    page.select_option("#country", person["country"])
    page.fill("#phone", person["phone"])
