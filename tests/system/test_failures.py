"""Providers fail: the account is never lost and no request hangs or errors."""

from support import JENNY_E164, outbox_round, words


def test_a_failed_code_send_keeps_the_account_and_offers_resend(visitor, outbox, clock):
    outbox.mode = "fail"
    page = visitor.sign_up()
    assert page.status_code == 200
    assert page.context["step"] == "code"
    assert "Our text message provider is not answering, so no code was sent to +1 201-867-5309." in words(page)
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


def welcomes(outbox) -> list[dict]:
    return [m for m in outbox.messages(JENNY_E164) if "Welcome aboard" in m["body"]]


def test_a_failed_confirmation_text_keeps_the_account_verified_and_goes_out_later(visitor, outbox, clock, server):
    visitor.sign_up()
    code = outbox.last_code()
    outbox.mode = "fail"
    page = visitor.enter_code(code)
    assert page.status_code == 200
    assert page.context["step"] == "account"
    assert "A text to confirm it is on its way." in words(page)
    assert welcomes(outbox) == []

    outbox.mode = "ok"
    assert outbox_round(server) == 0  # not before its retry is due
    clock.advance(server.app.state.services.settings.outbox_retry_seconds)
    assert outbox_round(server) == 1
    assert len(welcomes(outbox)) == 1
    assert outbox_round(server) == 0  # once


def test_a_hanging_confirmation_text_does_not_hang_the_request(htmx_visitor, outbox, clock, server):
    htmx_visitor.sign_up()
    code = outbox.last_code()
    outbox.mode = "hang"
    page = htmx_visitor.enter_code(code)
    assert page.context["step"] == "account"
    assert welcomes(outbox) == []  # given up at the send deadline, to be tried again
    outbox.mode = "ok"
    clock.advance(server.app.state.services.settings.outbox_retry_seconds)
    assert outbox_round(server) == 1 and len(welcomes(outbox)) == 1


def test_a_text_that_keeps_failing_is_tried_with_longer_waits_then_given_up_and_logged(
    htmx_visitor,
    outbox,
    clock,
    server,
    caplog,
):
    htmx_visitor.sign_up()
    code = outbox.last_code()
    outbox.mode = "fail"
    htmx_visitor.enter_code(code)
    outbox.settle()  # the first try, right after the answer
    settings = server.app.state.services.settings
    for attempt in range(2, settings.outbox_max_attempts + 1):
        wait = settings.outbox_retry_seconds * 2 ** (attempt - 2)
        clock.advance(wait - 1)
        assert outbox_round(server) == 0, f"attempt {attempt} came before its wait of {wait} s"
        clock.advance(1)
        assert outbox_round(server) == 1
    assert "text not sent, given up" in caplog.text
    outbox.mode = "ok"
    clock.advance(24 * 3600)
    assert outbox_round(server) == 0 and welcomes(outbox) == []
