"""Entering the code: right, wrong, expired, reused, exhausted."""

import html
from typing import get_args

import pytest
from support import JENNY_E164, words

from components.flows.checking import RIGHT_CODE
from components.purposes import PURPOSES, Awaited


def test_the_right_code_verifies_and_sends_a_confirmation(visitor, outbox):
    visitor.sign_up()
    page = visitor.enter_code(outbox.last_code())
    assert page.status_code == 200
    assert page.context["step"] == "account"
    assert "Hi there Jenny Tutone!" in words(page)
    assert "+1 •••-•••-5309" in words(page)
    assert "Your number is verified. A text to confirm it is on its way." in words(page)
    confirmation = outbox.messages(JENNY_E164)[-1]
    assert confirmation["body"] == "Your Account Verification account is verified. Welcome aboard!"


def test_a_pasted_code_with_spaces_or_dashes_is_accepted(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    code = outbox.last_code()
    page = htmx_visitor.enter_code(f" {code[:3]} - {code[3:]} ")
    assert page.context["step"] == "account"


def test_a_wrong_code_keeps_the_step_and_says_how_many_tries_are_left(visitor, outbox):
    visitor.sign_up()
    right = outbox.last_code()
    wrong = "000000" if right != "000000" else "111111"
    page = visitor.enter_code(wrong)
    assert page.status_code == 422
    assert page.context["step"] == "code"
    assert page.context["errors"] == {"code": "That code is not right. 4 attempts left."}
    assert 'aria-invalid="true"' in words(page)
    assert visitor.enter_code(right).context["step"] == "account"


def test_something_that_is_not_a_code_is_refused_without_using_a_try(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    page = htmx_visitor.enter_code("12ab")
    assert page.status_code == 422
    assert page.context["errors"] == {"code": "Enter the code from the text message, in digits"}
    page = htmx_visitor.enter_code("999999" if outbox.last_code() != "999999" else "888888")
    assert "4 attempts left" in words(page)


def test_five_wrong_codes_kill_the_code_even_for_the_right_one(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    right = outbox.last_code()
    wrong = "000000" if right != "000000" else "111111"
    answers = [htmx_visitor.enter_code(wrong).context["errors"]["code"] for _ in range(5)]
    assert answers[3] == "That code is not right. 1 attempt left."
    assert answers[4] == "Too many wrong tries: this code no longer works. Ask for a new code below."
    page = htmx_visitor.enter_code(right)
    assert page.status_code == 422 and page.context["step"] == "code"
    assert "Ask for a new code below" in words(page)
    assert 'action="/code/resend"' in words(page)


def test_a_code_expires_after_ten_minutes(visitor, outbox, clock):
    visitor.sign_up()
    clock.advance(601)
    page = visitor.enter_code(outbox.last_code())
    assert page.status_code == 422
    assert page.context["errors"] == {"code": "This code has expired or was replaced. Ask for a new code below."}


def test_a_code_still_works_just_before_it_expires(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    clock.advance(599)
    assert htmx_visitor.enter_code(outbox.last_code()).context["step"] == "account"


def test_the_code_step_survives_a_reload(visitor, outbox):
    visitor.sign_up()
    page = visitor.open()
    assert page.context["step"] == "code"
    assert "+1 201-867-5309" in words(page)


def test_resend_sends_a_new_code_in_place_and_the_old_one_dies(visitor, outbox, clock):
    visitor.sign_up()
    old = outbox.last_code()
    clock.advance(30)
    page = visitor.resend()
    assert page.status_code == 200 and page.context["step"] == "code"
    assert "We sent a new code to +1 201-867-5309." in words(page)
    assert "You can ask for a new code in 30 seconds." in words(page)
    new = outbox.last_code()
    assert len(outbox.messages(JENNY_E164)) == 2
    if new != old:
        assert visitor.enter_code(old).status_code == 422
    assert visitor.enter_code(new).context["step"] == "account"


def test_resend_within_the_cooldown_is_refused_with_retry_after(visitor, outbox, clock):
    visitor.sign_up()
    clock.advance(12)
    page = visitor.resend()
    assert page.status_code == 429
    assert page.headers["Retry-After"] == "18"
    assert page.context["step"] == "code"
    assert "You can ask for a new code in 18 seconds." in words(page)
    assert len(outbox.messages()) == 1


def test_the_code_step_says_when_the_next_resend_is_possible(htmx_visitor, clock):
    htmx_visitor.sign_up()
    clock.advance(20)
    assert "You can ask for a new code in 10 seconds." in htmx_visitor.open().text
    clock.advance(10)
    assert "You can ask for a new code in" not in htmx_visitor.open().text


def test_a_call_reads_a_new_code(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    clock.advance(30)
    page = htmx_visitor.resend("call")
    assert "We're calling +1 201-867-5309 now to read you a new code." in words(page)
    call = outbox.messages()[-1]
    assert call["channel"] == "call"
    code = "".join(ch for ch in call["body"].split("Again:")[0] if ch.isdigit())
    assert htmx_visitor.enter_code(code).context["step"] == "account"


def test_verification_issues_a_fresh_session(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    before = htmx_visitor.token
    htmx_visitor.enter_code(outbox.last_code())
    assert htmx_visitor.token != before
    stale = htmx_visitor.client.post("/signout", data={"csrf_token": before}, headers=htmx_visitor.headers)
    assert stale.status_code == 403


@pytest.mark.parametrize("channel", ["sms", "call"])
def test_a_locked_account_is_sent_no_code_however_it_asks(visitor, outbox, clock, server, channel):
    visitor.sign_up()
    users = server.app.state.services.users
    server.portal.call(users.lock, 1, clock() + 3600)
    clock.advance(31)  # past the resend cooldown
    texts = len(outbox.messages())
    page = visitor.resend(channel)
    assert page.status_code == 429 and "checking is paused for this account" in words(page)
    assert len(outbox.messages()) == texts


def test_asking_for_another_code_keeps_the_session_so_forms_in_other_tabs_still_work(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    token = htmx_visitor.token
    clock.advance(60)
    htmx_visitor.resend()
    assert htmx_visitor.token == token
    form = {"csrf_token": token, "code": outbox.last_code()}
    other_tab = htmx_visitor.client.post("/code", data=form, headers=htmx_visitor.headers)
    assert other_tab.status_code == 200 and "Hi there Jenny" in words(other_tab)


def test_every_code_an_account_waits_for_says_what_a_right_code_does():
    assert set(RIGHT_CODE) == set(get_args(Awaited)) == set(PURPOSES) - {"reset"}
    assert set(RIGHT_CODE) == {"signup", "signin", "current-number", "number", "number-later"}


def _spend_the_numbers_hour(new_visitor) -> None:
    """Five signups from five addresses, each sent a code to Jenny's number: its hour is spent."""
    for n in range(5):
        new_visitor(address=f"198.51.100.{n + 20}").sign_up(email=f"someone{n}@example.com")


def test_when_no_code_could_go_out_the_step_offers_only_what_can_work(visitor, new_visitor, outbox):
    _spend_the_numbers_hour(new_visitor)
    page = visitor.sign_up()
    said = words(page)
    assert "Too many codes were requested for this number. Try again in 12 minutes." in said
    assert 'id="code"' not in page.text  # no code went out: nothing to type, no keyboard
    assert 'id="step-title" tabindex="-1" autofocus' in page.text
    assert "Text me a new code" not in said and "Call me with a code" not in said
    assert "Use a different number" in said  # another number has limits of its own
    assert len(outbox.messages(JENNY_E164)) == 5


def test_a_live_code_still_works_when_no_new_one_can_be_sent(htmx_visitor, new_visitor, outbox, clock):
    htmx_visitor.sign_up()
    for n in range(4):
        new_visitor(address=f"198.51.100.{n + 20}").sign_up(email=f"someone{n}@example.com")
    clock.advance(30)
    page = htmx_visitor.resend()
    assert page.status_code == 429 and "for this number" in words(page)
    assert 'id="code"' in page.text and "Text me a new code" not in words(page)
    assert htmx_visitor.enter_code(outbox.messages(JENNY_E164)[0]["body"].rsplit("#", 1)[1]).context["step"] == (
        "account"
    )


def test_a_number_on_the_page_never_breaks_across_lines(htmx_visitor, clock):
    htmx_visitor.sign_up()
    clock.advance(30)
    page = htmx_visitor.resend()
    assert "We sent a new code to +1\u00a0201\u2011867\u20115309." in html.unescape(page.text)  # no break inside
