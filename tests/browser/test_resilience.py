"""When things are slow or break: an in-flight sign, no double submits, and a
step that stays usable with a message."""

from browsing import DESKTOP, fill_signup, focused, heading


def test_a_slow_provider_shows_progress_and_one_submit_counts(open_page, live, person):
    page = open_page(DESKTOP)
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    fill_signup(page, person)
    live.outbox.mode = "slow"
    button = page.locator("button:has-text('Send me a code')")
    button.click()
    spinner = page.locator("form.htmx-request .spinner")
    spinner.wait_for(state="visible")
    assert spinner.evaluate("el => getComputedStyle(el).animationName") == "spin"
    assert button.is_disabled()
    button.click(force=True)  # a second press while the first is in flight
    page.keyboard.press("Enter")
    page.wait_for_selector("#code", timeout=10_000)
    assert posts == [f"{live.url}/signup"]
    assert len(live.outbox.messages(person["e164"])) == 1


def test_a_server_error_leaves_the_step_usable_with_a_message(open_page, live, person):
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    page.route("**/code", lambda route: route.fulfill(status=500, body="Internal Server Error"))
    page.fill("#code", "123456")
    page.click("text=Verify")
    error = page.locator("#page-error")
    error.wait_for(state="visible")
    assert "Something went wrong on our side (500)" in error.inner_text()
    assert heading(page) == "Check your phone" and page.input_value("#code") == "123456"
    assert page.locator("button:has-text('Verify')").is_enabled()
    page.unroute("**/code")
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")
    assert error.is_hidden()


def test_a_lost_connection_says_so(open_page, person):
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.context.set_offline(True)
    page.click("text=Send me a code")
    page.locator("#page-error").wait_for(state="visible")
    assert "could not reach the server" in page.inner_text("#page-error")
    assert focused(page) == "page-error"  # on the message, not dropped to <body>
    assert page.input_value("#email") == person["email"]


def test_the_progress_sign_keeps_still_for_reduced_motion(open_page, live, person):
    page = open_page(DESKTOP, reduced_motion="reduce")
    fill_signup(page, person)
    live.outbox.mode = "slow"
    page.click("text=Send me a code")
    spinner = page.locator("form.htmx-request .spinner")
    spinner.wait_for(state="visible")
    assert spinner.evaluate("el => getComputedStyle(el).animationName") == "none"
    page.wait_for_selector("#code")


def test_an_error_page_is_never_swapped_over_what_was_typed(open_page, live, person):
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.route(
        "**/signup",
        lambda route: route.fulfill(
            status=503,
            body="<!doctype html><title>Sorry</title><h1>Sorry, the service is unavailable</h1>",
            headers={"Content-Type": "text/html", "X-Error-Page": "503", "HX-Reswap": "none", "Retry-After": "10"},
        ),
    )
    page.click("text=Send me a code")
    error = page.locator("#page-error")
    error.wait_for(state="visible")
    assert "Nothing you typed is lost" in error.inner_text()
    assert heading(page) == "Create your account"
    assert page.input_value("#email") == person["email"] and page.input_value("#phone") == person["phone"]
    page.unroute("**/signup")
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
