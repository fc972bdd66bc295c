"""The three ways the app is used: one page with htmx, keyboard alone, no JavaScript."""

from browsing import (
    DESKTOP,
    announced,
    fill_signup,
    focus_ring,
    focused,
    heading,
    shoot,
)

WRONG = "000000"


def test_the_whole_flow_is_one_page_load(open_page, live, person):
    page = open_page(DESKTOP)
    loads = []
    page.on("load", lambda: loads.append("load"))
    page.evaluate("window.sameDocument = true")  # a full load would forget this
    twin = page.context.new_page()  # same cookies: a reload of the URL bar at each step

    def reload_shows(title: str) -> None:
        assert page.url == f"{live.url}/"
        twin.goto(page.url)
        assert heading(twin) == title

    reload_shows("Create your account")
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    reload_shows("Check your phone")
    page.fill("#code", WRONG)
    page.click("text=Verify")
    page.wait_for_selector("#code-error")
    assert "That code is not right." in page.inner_text("#code-error")
    reload_shows("Check your phone")
    page.click("text=Text me a new code")
    page.wait_for_selector("text=We sent a new code")
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")
    reload_shows(f"Hi there {person['name']}!")
    assert loads == []  # not one full page load after the first
    assert page.evaluate("window.sameDocument") is True


def test_keyboard_alone_with_focus_where_it_belongs(open_page, live, person):
    page = open_page(DESKTOP)
    keys = page.keyboard
    assert focused(page) == "name"
    keys.type(person["name"])
    keys.press("Tab")
    keys.type(person["email"])
    keys.press("Tab")
    keys.type("short")  # too short: the form comes back with focus on the password
    keys.press("Tab")  # its "Show" button
    keys.press("Tab")
    keys.press("Tab")
    keys.type(person["phone"])
    keys.press("Enter")
    page.wait_for_selector("#password-error")
    assert focused(page) == "password" and focus_ring(page) != "none"
    assert "Choose a password" in announced(page)
    shoot(page, "desktop-1-signup-error")
    keys.type(person["password"])
    keys.press("Enter")
    page.wait_for_selector("#code")
    assert focused(page) == "code" and focus_ring(page) != "none"
    shoot(page, "desktop-2-code")
    keys.type(WRONG)
    keys.press("Enter")
    page.wait_for_selector("#code-error")
    assert focused(page) == "code"
    assert "That code is not right." in announced(page)
    shoot(page, "desktop-3-wrong-code")
    for _ in range(6):  # the resend button is a few Tabs away
        keys.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Text me a new code":
            break
    assert page.evaluate("document.activeElement.textContent.trim()") == "Text me a new code"
    assert focus_ring(page) != "none"
    keys.press("Enter")
    page.wait_for_selector("text=We sent a new code")
    assert focused(page) == "code"
    shoot(page, "desktop-4-resent")
    keys.type(live.code_for(person["e164"]))
    keys.press("Enter")
    page.wait_for_selector("text=Hi there")
    assert focused(page) == "step-title"
    assert "Your number is verified" in announced(page)
    shoot(page, "desktop-5-verified")


def test_without_javascript_the_forms_post_normally(open_page, live, person):
    page = open_page(DESKTOP, java_script_enabled=False)
    fill_signup(page, {**person, "email": "not-an-email"})
    page.click("text=Send me a code")
    assert "Enter an email address like name@example.com" in page.inner_text(".error-summary")
    assert page.input_value("#name") == person["name"] and page.input_value("#password") == ""
    fill_signup(page, person)
    page.click("text=Send me a code")
    assert heading(page) == "Check your phone"
    page.fill("#code", WRONG)
    page.click("text=Verify")
    assert "That code is not right." in page.inner_text("#code-error")
    page.click("text=Use a different number")
    assert heading(page) == "Change your number"
    page.fill("#phone", person["phone"])
    page.click("text=Send me a code")
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    assert heading(page) == f"Hi there {person['name']}!"
    assert page.url == f"{live.url}/"
    page.click("text=Sign out")
    page.wait_for_selector("h1:text-is('Sign in')")
    assert page.url == f"{live.url}/signin" and "You signed out." in page.inner_text("#step")
    assert focused(page) == "step-title"  # the heading, not a field: no keyboard opens over the notice


def test_a_swapped_in_country_list_is_whole_and_keeps_the_choice(open_page, live, person):
    page = open_page(DESKTOP)
    total = page.locator("#country option").count()
    fill_signup(page, {**person, "country": "GB", "phone": "12"})
    page.click("text=Send me a code")
    page.wait_for_selector(".error-summary")  # a fragment, with only the chosen country in it
    assert page.locator("#country option").count() == total > 200
    assert page.input_value("#country") == "GB"
    page.select_option("#country", "FR")
    assert page.input_value("#country") == "FR"


def test_a_page_without_a_country_list_still_fills_one_swapped_in_later(open_page, live, person):
    page = open_page(DESKTOP)
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    page.reload()  # the code step, as a full page: no country list in its step
    page.click("text=Use a different number")
    page.wait_for_selector("text=Change your number")
    assert page.locator("#country option").count() > 200
    assert page.input_value("#country") == "US"


def test_a_signup_error_elsewhere_keeps_the_typed_password(open_page, live, person):
    page = open_page(DESKTOP)
    fill_signup(page, {**person, "phone": "123"})
    page.click("text=Send me a code")
    page.wait_for_selector("#phone-error")
    assert page.input_value("#password") == person["password"]  # put back, never sent back
    assert page.locator("#password-error").count() == 0
    page.fill("#phone", person["phone"])
    page.click("text=Send me a code")
    page.wait_for_selector("#code")  # one fix, one round trip


def test_every_password_field_can_be_shown_and_says_so(open_page, live, person):
    page = open_page(DESKTOP)
    page.fill("#password", person["password"])
    show = page.get_by_role("button", name="Show password")
    show.click()
    assert page.get_attribute("#password", "type") == "text"
    assert page.get_by_role("button", name="Hide password").inner_text() == "Hide"
    assert announced(page) == "Your password is shown."
    page.keyboard.press("Enter")  # the button has focus: it hides again, from the keyboard too
    assert page.get_attribute("#password", "type") == "password" and announced(page) == "Your password is hidden."
    page.get_by_role("button", name="Show password").click()
    fill_signup(page, {**person, "phone": "123"})
    page.click("text=Send me a code")
    page.wait_for_selector("#phone-error")
    assert page.get_attribute("#password", "type") == "password"  # sent hidden, back hidden
    assert page.locator("button.reveal").count() == 1  # the new field has its own


def test_without_javascript_no_password_can_be_shown(open_page):
    page = open_page(DESKTOP, java_script_enabled=False)
    assert page.locator("button.reveal").count() == 0


def test_without_javascript_an_error_page_reads_its_summary_first(open_page, person):
    page = open_page(DESKTOP, java_script_enabled=False)
    fill_signup(page, {**person, "phone": "123"})
    with page.expect_navigation() as shown:
        page.click("text=Send me a code")
    page.wait_for_selector(".error-summary")
    # Shown by a GET the post was sent to: a reload asks nothing, and posts nothing again.
    assert shown.value.request.method == "GET" and shown.value.request.redirected_from.method == "POST"
    assert page.input_value("#phone") == "123"
    assert page.title().startswith("Error: Create your account")
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
