"""The password step: the current password (throttled), then a new one; every
other browser is signed out and a notice goes to the number."""

import re

import pytest
from support import JENNY, JENNY_E164, words

NEW = "another long passphrase for jenny"


def _input(page, name: str) -> str:
    return re.search(f'<input id="{name}"[^>]*>', page.text).group(0)


def _change(visitor, current=JENNY["password"], new=NEW):
    return visitor.post("/account/password", {"current_password": current, "new_password": new})


def test_changing_the_password_signs_out_every_other_browser_and_texts_a_notice(verified, new_visitor, outbox):
    laptop = new_visitor()
    laptop.sign_in()
    laptop.post("/code", {"code": outbox.last_code(), "remember": "yes"})
    page = verified.open("/account/password")
    assert page.context["step"] == "password"
    page = _change(verified)
    assert page.context["step"] == "account"
    assert "Your password is changed. Every other browser is signed out." in words(page)
    assert verified.open().context["step"] == "account"  # this one stays signed in
    assert laptop.open().context["step"] == "signin"
    assert "password was just changed" in outbox.messages(JENNY_E164)[-1]["body"]
    laptop.sign_out()
    assert laptop.sign_in().status_code == 422
    assert laptop.sign_in(password=NEW).context["step"] == "code"  # a remembered browser is forgotten


def test_the_current_password_must_be_right_and_is_throttled(verified):
    page = _change(verified, current="not my password")
    assert page.status_code == 422 and page.context["errors"] == {"current_password": "Your password is not right."}
    statuses = [_change(verified, current=f"guess {n}").status_code for n in range(10)]
    assert statuses == [422] * 9 + [429]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"current_password": "", "new_password": NEW}, {"current_password": "Enter your current password"}),
        (
            {"current_password": JENNY["password"], "new_password": "short"},
            {"new_password": "Choose a password of at least 8 characters"},
        ),
    ],
)
def test_both_passwords_are_checked_before_anything_changes(verified, fields, errors):
    page = verified.post("/account/password", fields)
    assert page.status_code == 422 and page.context["errors"] == errors


def test_after_a_wrong_current_password_the_new_one_is_kept_or_asked_again(verified_visitor):
    page = _change(verified_visitor, current="not my password")
    errors = {"current_password": "Your password is not right."}
    if not verified_visitor.htmx:
        errors["new_password"] = "Type your new password again. For your security, it is not kept after an error."
    assert page.context["errors"] == errors and NEW not in page.text
    assert ("data-keep" in _input(page, "new_password")) == verified_visitor.htmx
    assert "data-keep" not in _input(page, "current_password")  # it was wrong: typed again


def test_only_a_signed_in_browser_may_change_a_password(verified, new_visitor):
    stranger = new_visitor(htmx=False)
    assert stranger.client.get("/account/password", follow_redirects=False).headers["location"] == "/signin"
    page = _change(stranger)
    assert page.context["step"] == "signup" and "Sign in first to change your account." in words(page)
    assert verified.open().context["step"] == "account"


def test_a_password_manager_can_file_the_new_password_under_the_email(verified):
    page = verified.open("/account/password")
    form = re.search(r'<form[^>]*action="/account/password".*?</form>', page.text, re.DOTALL).group(0)
    assert '<input type="email" autocomplete="username" value="jenny@example.com" hidden>' in form
    assert 'autocomplete="current-password"' in form and 'autocomplete="new-password"' in form
