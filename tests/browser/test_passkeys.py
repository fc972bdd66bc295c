"""Passkeys in Chromium, with its virtual authenticator (the DevTools Protocol's WebAuthn
domain: CTAP2, resident keys, user verification), on a site whose PUBLIC_URL is
http://localhost:PORT, so the RP ID is a host name as a real deployment's is.

Chromium's virtual authenticator answers a conditional request (the email field's
autofill) at once, as if the visitor had picked the passkey; a page that must wait for
the button is opened as a browser without passkey autofill."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from browsing import NO_LIMITS, fill_signup, live_app, settled, shoot, submit, tab_to
from support import free_port

from components.language import LANGUAGES

REAUTH_SECONDS = 4
NO_AUTOFILL = "PublicKeyCredential.isConditionalMediationAvailable = async () => false;"
AXE = Axe()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The app at http://localhost:PORT: its PUBLIC_URL, whose host is the passkeys' RP ID."""
    port = free_port()
    with live_app(
        tmp_path_factory.mktemp("passkeys"),
        "the app for passkeys",
        port=port,
        public_url=f"http://localhost:{port}",
        reauth_seconds=REAUTH_SECONDS,
        **NO_LIMITS,
    ) as app:
        app.url = f"http://localhost:{port}"
        yield app


@pytest.fixture
def open_with_authenticator(chromium, site):
    """A browser profile with a platform authenticator that verifies its user; `autofill`:
    whether the browser offers passkeys in the email field's suggestions."""
    playwright, browser = chromium
    contexts = []

    def make(device: str | None = None, *, autofill: bool = True, locale: str = "en"):
        options = {k: v for k, v in playwright.devices[device].items() if k != "default_browser_type"} if device else {}
        context = browser.new_context(base_url=site.url, locale=locale, **options)
        contexts.append(context)
        if not autofill:
            context.add_init_script(NO_AUTOFILL)
        page = context.new_page()
        page.set_default_timeout(10_000)
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        virtual = cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        page.held = lambda: cdp.send("WebAuthn.getCredentials", {"authenticatorId": virtual["authenticatorId"]})[
            "credentials"
        ]
        page.goto("/")
        return page

    yield make
    for context in contexts:
        context.close()


def signed_up_offered_a_passkey(page, site, person) -> None:
    """Sign up and verify in any language: the account page then offers a passkey."""
    fill_signup(page, person)
    submit(page, "/signup")
    page.fill("#code", site.code_for(person["e164"]))
    submit(page, "/code")
    page.wait_for_selector(".offer [data-passkey-add]")


def add_offered_passkey(page) -> None:
    page.click(".offer [data-passkey-add]")
    page.wait_for_selector(".passkeys li")


def sign_out(page) -> None:
    page.goto("/")
    submit(page, "/signout")


def test_a_new_account_adds_the_offered_passkey_and_signs_in_with_it_from_autofill(
    open_with_authenticator, site, person
):
    page = open_with_authenticator()
    signed_up_offered_a_passkey(page, site, person)
    texts = site.texts_to(person["e164"])
    add_offered_passkey(page)
    assert "is added. Next time, sign in with it." in page.inner_text("#step")
    [held] = page.held()
    assert held["isResidentCredential"] and held["rpId"] == "localhost"
    name = page.inner_text(".passkeys li strong")
    assert "Chrome on Linux" in name  # named after the browser and system
    assert site.next_text_to(person["e164"], texts).startswith(f"A passkey ({name}) was added to your")
    page.goto("/")
    assert page.locator(".offer").count() == 0  # offered once
    sign_out(page)  # the sign-in page's autofill offers the passkey: picked, it signs in at once
    page.wait_for_selector("text=Hi there")
    assert site.texts_to(person["e164"]) == texts + 1  # no code was sent


def test_the_button_signs_in_where_the_browser_has_no_passkey_autofill(open_with_authenticator, site, person):
    page = open_with_authenticator(autofill=False)
    signed_up_offered_a_passkey(page, site, person)
    add_offered_passkey(page)
    sign_out(page)
    page.goto("/signin")
    assert page.locator("#email").get_attribute("autocomplete") == "username webauthn"
    page.click("text=Sign in with a passkey")
    page.wait_for_selector("text=Hi there")


def test_a_passkey_confirms_it_is_you_and_once_removed_signs_in_no_more(open_with_authenticator, site, person):
    page = open_with_authenticator(autofill=False)
    signed_up_offered_a_passkey(page, site, person)
    add_offered_passkey(page)
    page.wait_for_timeout(REAUTH_SECONDS * 1000 + 500)  # the sign-in is no longer recent
    page.goto("/account/passkeys")
    assert page.locator("#password").is_visible()
    page.click("text=Use a passkey instead of your password")
    page.wait_for_selector("text=Thank you, that's you.")
    assert page.locator("#password").count() == 0
    page.click(".passkeys button.link-button")  # Remove
    page.wait_for_selector("text=it can no longer sign you in")
    sign_out(page)
    page.goto("/signin")
    page.click("text=Sign in with a passkey")  # the authenticator still holds it: the site no longer does
    page.wait_for_selector("text=This passkey can't sign you in here")
    assert page.locator("h1").inner_text() == "Sign in" and len(page.held()) == 1


@pytest.mark.parametrize("browser_lacks", ["javascript", "webauthn"])
def test_without_javascript_or_webauthn_nothing_of_passkeys_shows(chromium, site, person, browser_lacks):
    playwright, browser = chromium
    context = browser.new_context(base_url=site.url, java_script_enabled=browser_lacks != "javascript")
    context.add_init_script("Object.defineProperty(window, 'PublicKeyCredential', {value: undefined});")
    page = context.new_page()
    page.goto("/signin")
    assert page.locator("form[action='/signin'] button[type=submit]").is_visible()
    assert not page.locator("text=Sign in with a passkey").is_visible()
    context.close()


def _violations(page, shot: str) -> list[str]:
    settled(page)
    shoot(page, shot)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
    return [f"{v['id']}: {v['help']}" for v in AXE.run(page).response["violations"]]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_passkeys_by_keyboard_on_a_phone_in_every_language_with_nothing_for_axe(
    open_with_authenticator, site, person, code
):
    page = open_with_authenticator("Pixel 7", autofill=False, locale=code)
    signed_up_offered_a_passkey(page, site, person)
    seen = {"offer": _violations(page, f"passkeys-{code}-offer")}
    tab_to(page, ".offer [data-passkey-add]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".passkeys li")
    seen["added"] = _violations(page, f"passkeys-{code}-added")
    tab_to(page, ".passkeys input[name=name]")
    page.keyboard.press("Control+A")
    page.keyboard.type("Phone")
    page.keyboard.press("Enter")
    page.wait_for_selector(".passkeys li strong:text-is('Phone')")
    page.wait_for_timeout(REAUTH_SECONDS * 1000 + 500)
    page.goto("/account/passkeys")
    seen["confirm first"] = _violations(page, f"passkeys-{code}-reauth")
    tab_to(page, "[data-passkey-get]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".passkeys button.link-button")
    sign_out(page)
    page.goto("/signin")
    seen["sign in"] = _violations(page, f"passkeys-{code}-sign-in")
    tab_to(page, "[data-passkey-get]")
    page.keyboard.press("Enter")
    page.wait_for_selector(".settings")  # the account page
    assert page.evaluate("document.documentElement.lang") == code
    assert seen == {state: [] for state in seen}
