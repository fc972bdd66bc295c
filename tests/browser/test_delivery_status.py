"""The code text's delivery, live on the code step: it changes without a reload,
in a polite live region, and a text the carrier could not deliver brings the
call button next (and takes the step's other one, and its "we sent a code")."""

from browsing import DESKTOP, fill_signup, shoot


def test_the_delivery_changes_on_the_page_and_a_failed_text_offers_a_call(open_page, live, person):
    live.outbox.console.delivery_seconds = 0.5
    live.outbox.console.undeliverable = frozenset({person["e164"]})
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    assert page.get_attribute("#delivery", "role") == "status"
    assert "Sending the text…" in page.inner_text("#delivery")
    page.wait_for_selector("#delivery >> text=Your carrier couldn't deliver the text.")  # no reload
    shoot(page, "code-text-undelivered")
    assert page.is_hidden("#page-error")
    call = page.locator("#delivery button")
    assert call.inner_text() == "Call me with a code"
    step = page.inner_text("#step")  # one state, one message, one call button
    assert step.count("Call me with a code") == 1 and "We sent a code" not in step
    call.click()
    page.wait_for_selector("text=We're calling")
    assert "Sending the text…" not in page.inner_text("#step")


def test_a_delivered_text_shows_when_in_the_visitors_own_time(open_page, live, person):
    live.outbox.console.delivery_seconds = 0.5
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#delivery >> text=Delivered")
    shown = page.inner_text("#delivery time")
    assert "UTC" not in shown and ":" in shown  # turned into local time by the page
