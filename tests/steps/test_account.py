"""The account step: the verified account's page, and signing out."""

from support import words


def test_sign_out_ends_the_session(visitor, outbox):
    visitor.sign_up()
    visitor.enter_code(outbox.last_code())
    page = visitor.sign_out()
    assert page.context["step"] == "signin"
    assert "You signed out." in words(page)
    assert page.text.count("autofocus") == 1 and 'id="step-title" tabindex="-1" autofocus' in page.text  # no keyboard
    assert visitor.open().context["step"] == "signup"


def test_the_account_page_leads_to_every_setting(verified):
    page = verified.open()
    for path, text in (
        ("/account/password", "Change your password"),
        ("/account/mobile", "Change your mobile number"),
        ("/account/close", "Close your account"),
    ):
        assert f'href="{path}"' in page.text and text in words(page)
    assert 'action="/signout"' in page.text and 'action="/signout/everywhere"' in page.text


def test_signing_out_everywhere_ends_every_session_and_remembered_browser(verified, new_visitor, outbox):
    laptop = new_visitor()
    laptop.sign_in()
    laptop.post("/code", {"code": outbox.last_code(), "remember": "yes"})
    page = verified.post("/signout/everywhere")
    assert page.context["step"] == "signin" and "You were signed out on every browser." in words(page)
    ended = laptop.open()
    assert ended.context["step"] == "signin"
    assert "You were signed out here by another browser. Sign in again to go on." in words(ended)
    assert laptop.sign_in().context["step"] == "code"  # no longer remembered


def test_no_account_action_reaches_an_account_from_another_browser(verified, new_visitor, outbox):
    mallory = new_visitor(address="198.51.100.66")
    for path, fields in (
        ("/signout/everywhere", {}),
        ("/account/close", {"confirm": "yes"}),
        ("/account/password", {"current_password": "x", "new_password": "y" * 12}),
        ("/account/mobile", {"country": "US", "phone": "+1 415 555 2671"}),
        ("/password/new", {"password": "a takeover password"}),
    ):
        page = mallory.post(path, fields)
        assert page.context["step"] == "signup", path
    assert verified.open().context["step"] == "account"
