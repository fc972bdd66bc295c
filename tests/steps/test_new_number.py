"""The mobile step: a new number for the account. A code to the current number
comes first (a borrowed session alone cannot move the account to another
phone), then one to the new number; the old one stays until that is right,
and is told of the change."""

import re

import pytest
from support import JENNY, JENNY_E164, words

from components import housekeeping

NEW_NUMBER = "+44 7400 123456"
NEW_E164 = "+447400123456"


def _new_number(visitor, phone=NEW_NUMBER, **fields):
    return visitor.post("/account/mobile", {"country": "GB", "phone": phone, **fields})


def _approved(visitor, outbox):
    """The current number's code, typed."""
    return visitor.enter_code(outbox.last_code(JENNY_E164))


def test_a_new_number_is_the_accounts_once_both_codes_are_right(verified, outbox):
    page = verified.open("/account/mobile")
    assert page.context["step"] == "new_number" and 'name="password"' not in page.text  # signed in just now
    page = _new_number(verified)
    assert page.context["step"] == "code" and "Continue" in words(page)
    assert (
        'We sent a code to <strong class="nowrap" dir="ltr">+1 •••-•••-5309</strong>, your current number,'
        " to make sure it's you." in words(page)
    )
    # The last code text (the signup's confirmation may reach the outbox after it: it is sent in the background).
    codes = [message["body"] for message in outbox.messages(JENNY_E164) if "#" in message["body"]]
    assert codes[-1].startswith("Your Account Verification code to approve a new number")
    assert outbox.messages(NEW_E164) == []  # nothing to the new number yet
    approval = outbox.last_code(JENNY_E164)
    page = _approved(verified, outbox)
    assert 'We sent a code to <strong class="nowrap" dir="ltr">+44 7400 123456</strong>, your new number.' in words(
        page
    )
    assert verified.open().context["step"] == "code"  # a reload stays here
    assert verified.enter_code(approval).status_code == 422  # the current number's code won't do twice
    page = verified.enter_code(outbox.last_code(NEW_E164))
    assert page.context["step"] == "account"
    assert "Your mobile number is now +44 •••• ••3456." in words(page)
    assert page.context["user"].country == "GB"  # the per-country limits and the pumping guard count it there now
    assert outbox.messages(JENNY_E164)[-1]["body"] == (
        "The mobile number on your Account Verification account was changed to +44 **** **3456. "
        "If this wasn't you, contact Account Verification at once: localhost"  # SUPPORT_CONTACT, else the site
    )
    assert "+44 •••• ••3456" in words(verified.open())


def test_the_old_number_stays_until_the_new_one_is_verified(verified, new_visitor, outbox):
    _new_number(verified)
    other = new_visitor()
    other.sign_in()
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith("Your Account Verification sign-in code")


def test_a_session_without_the_current_phone_cannot_move_the_number(verified, outbox):
    _new_number(verified)
    for _ in range(5):
        page = verified.enter_code("0000000")
    assert "Too many wrong tries" in words(page) and outbox.messages(NEW_E164) == []
    assert "+1 •••-•••-5309" in words(verified.open("/account/mobile"))


@pytest.mark.parametrize("approved", [False, True], ids=["before-approval", "after-approval"])
def test_keeping_the_number_calls_the_change_off(verified, outbox, approved):
    _new_number(verified)
    if approved:
        _approved(verified, outbox)
    code = outbox.last_code(NEW_E164 if approved else JENNY_E164)
    page = verified.post("/account/mobile/keep")
    assert page.context["step"] == "account" and "Your mobile number is still +1 •••-•••-5309." in words(page)
    assert verified.enter_code(code).context["step"] == "account"  # nothing waits for a code now
    assert "+1 •••-•••-5309" in words(verified.open())


def test_after_a_while_the_password_is_asked_again(verified, outbox, clock):
    clock.advance(601)
    verified.open()  # keep the session alive
    page = verified.open("/account/mobile")
    assert 'name="password"' in page.text and "You signed in more than 10 minutes ago" in words(page)
    page = _new_number(verified)
    assert page.status_code == 422 and page.context["errors"] == {"password": "Enter your password"}
    page = _new_number(verified, password="not my password")
    assert page.status_code == 422 and page.context["errors"] == {"password": "Your password is not right."}
    page = _new_number(verified, password=JENNY["password"])
    assert page.context["step"] == "code"
    assert 'name="password"' not in verified.open("/account/mobile").text  # proved again just now


def test_the_same_number_or_a_bad_one_is_refused(verified, outbox):
    assert _new_number(verified, phone="+1 201 867 5309").context["errors"] == {
        "phone": "This is already your number. Enter a different one."
    }
    assert _new_number(verified, phone="+44 20 7946 0958").context["errors"] == {
        "phone": "Enter a mobile number that can receive text messages"
    }


def test_a_number_may_be_on_more_than_one_account(verified, new_visitor, outbox):
    other = new_visitor(address="198.51.100.3")
    other.sign_up(email="household@example.com")
    assert other.enter_code(outbox.last_code()).context["step"] == "account"


def test_a_sign_in_elsewhere_replaces_a_number_change_under_way(verified, new_visitor, outbox):
    _new_number(verified)
    _approved(verified, outbox)
    new_code = outbox.last_code(NEW_E164)
    laptop = new_visitor()
    laptop.sign_in()
    assert verified.open().context["step"] == "account"  # the change was called off
    assert laptop.enter_code(new_code).status_code == 422
    assert laptop.enter_code(outbox.last_code(JENNY_E164)).context["step"] == "account"
    assert "+1 •••-•••-5309" in words(verified.open())


@pytest.mark.parametrize("path", ["/account/mobile", "/account/mobile/keep"])
def test_only_a_signed_in_browser_may_change_a_number(verified, new_visitor, path):
    stranger = new_visitor()
    page = stranger.post(path, {"country": "GB", "phone": NEW_NUMBER})
    assert "Sign in first to change your account." in words(page)


def _change_without_the_current_number(verified, outbox):
    page = _new_number(verified, current_gone="yes")
    assert page.context["step"] == "code" and "+44 7400 123456</strong>, your new number." in words(page)
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith("Your Account")  # nothing sent to it
    return verified.enter_code(outbox.last_code(NEW_E164))


def _cancel_link(outbox) -> str:
    return re.search(r"localhost(/number/cancel/\S+)$", outbox.messages(JENNY_E164)[-1]["body"]).group(1)


def test_a_number_that_can_no_longer_get_texts_is_replaced_after_a_week(verified, outbox, server, clock):
    page = _change_without_the_current_number(verified, outbox)
    assert page.context["step"] == "account" and "Your number changes to +44 •••• ••3456 on" in words(page)
    assert "Until then, the link we texted to +1 •••-•••-5309 cancels it." in words(page)
    text = outbox.messages(JENNY_E164)[-1]["body"]
    assert text.startswith("+44 **** **3456 will replace this number on your Account Verification account on ")
    assert "If this wasn't you, cancel it: localhost/number/cancel/" in text
    services = server.app.state.services
    clock.advance(6 * 86400)
    assert server.portal.call(housekeeping.tidy, services).cleared["number changes made"] == 0
    verified.sign_in()
    page = verified.enter_code(outbox.last_code(JENNY_E164))  # six days on, still the current number's
    assert "+1 •••-•••-5309" in words(page) and "Cancel the number change" in words(page)
    clock.advance(86400)
    assert server.portal.call(housekeeping.tidy, services).cleared["number changes made"] == 1
    verified.sign_in()
    page = verified.enter_code(outbox.last_code(NEW_E164))
    assert "+44 •••• ••3456" in words(page) and "Cancel the number change" not in words(page)


def test_the_link_texted_to_the_current_number_cancels_the_change(verified, new_visitor, outbox):
    _change_without_the_current_number(verified, outbox)
    link = _cancel_link(outbox)
    stranger = new_visitor(address="198.51.100.77")  # the old phone's browser: not signed in
    page = stranger.open(link)
    assert page.status_code == 200 and "Cancel the number change" in words(page)
    assert "Cancel the number change" in words(verified.open())  # a GET changed nothing
    page = stranger.post("/number/cancel", {"token": link.rsplit("/", 1)[1]})
    assert "The number change is cancelled. The number stays +1 •••-•••-5309." in words(page)
    assert "Cancel the number change" not in words(verified.open())
    again = stranger.post("/number/cancel", {"token": link.rsplit("/", 1)[1]})
    assert again.status_code == 422 and "no longer cancels anything" in words(again)
    forged = stranger.post("/number/cancel", {"token": "not-a-token"})
    assert forged.status_code == 422


def test_the_owner_signing_in_sees_the_waiting_change_and_cancels_it(verified, new_visitor, outbox):
    _change_without_the_current_number(verified, outbox)
    laptop = new_visitor(address="198.51.100.78")
    laptop.sign_in()
    page = laptop.enter_code(outbox.last_code(JENNY_E164))  # the sign-in code still goes to the current number
    assert "Your number changes to +44 •••• ••3456" in words(page)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    assert "The number change is cancelled" in words(laptop.post("/number/cancel", {"token": token}))
    assert "+1 •••-•••-5309" in words(verified.open()) and "Cancel the number change" not in words(verified.open())


def test_a_change_made_with_both_codes_ends_one_still_waiting(verified, outbox, server, clock):
    _change_without_the_current_number(verified, outbox)
    _new_number(verified, phone="+44 7400 654321")
    _approved(verified, outbox)
    page = verified.enter_code(outbox.last_code("+447400654321"))
    assert "Your mobile number is now +44 •••• ••4321." in words(page) and "Cancel the number change" not in page.text
    clock.advance(8 * 86400)
    assert server.portal.call(housekeeping.tidy, server.app.state.services).cleared["number changes made"] == 0
