"""Providers fail: the account is never lost and no request hangs or errors."""

from support import JENNY_E164, words


def test_a_failed_code_send_keeps_the_account_and_offers_resend(visitor, outbox, clock):
    outbox.mode = "fail"
    page = visitor.sign_up()
    assert page.status_code == 200
    assert page.context["step"] == "code"
    assert "Our text message provider is not answering, so no code was sent to +1 •••-•••-5309." in words(page)
    assert "We have not been able to send a code to" in visitor.open().text
    assert 'action="/code/resend"' in words(page) and 'action="/number/change"' in words(page)

    outbox.mode = "ok"
    page = visitor.resend()  # no cooldown: nothing was sent
    assert page.status_code == 200
    assert visitor.enter_code(outbox.last_code()).context["step"] == "account"


def test_a_hanging_provider_gives_up_within_the_deadline(htmx_visitor, outbox):
    outbox.mode = "hang"
    page = htmx_visitor.sign_up()
    assert page.context["step"] == "code"
    assert "Our text message provider is not answering" in words(page)


def test_a_failed_confirmation_text_still_shows_the_verified_account(visitor, outbox):
    visitor.sign_up()
    code = outbox.last_code()
    outbox.mode = "fail"
    page = visitor.enter_code(code)
    assert page.status_code == 200
    assert page.context["step"] == "account"
    assert "Your number is verified, but we couldn't send the confirmation text." in words(page)
    assert visitor.open().context["step"] == "account"


def test_a_hanging_confirmation_text_does_not_hang_the_request(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    code = outbox.last_code()
    outbox.mode = "hang"
    page = htmx_visitor.enter_code(code)
    assert page.context["step"] == "account"
    assert "couldn't send the confirmation text" in words(page)
    assert not [m for m in outbox.messages(JENNY_E164) if "Welcome" in m["body"]]
