"""Not received a code: resend by text or call, the cooldown, and a different number."""

from support import JENNY_E164, words


def test_resend_sends_a_new_code_in_place_and_the_old_one_dies(visitor, outbox, clock):
    visitor.sign_up()
    old = outbox.last_code()
    clock.advance(30)
    page = visitor.resend()
    assert page.status_code == 200 and page.context["step"] == "code"
    assert "We sent a new code to +1 •••-•••-5309." in words(page)
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
    assert "We're calling +1 •••-•••-5309 now to read you a new code." in words(page)
    call = outbox.messages()[-1]
    assert call["channel"] == "call"
    code = "".join(ch for ch in call["body"].split("Again:")[0] if ch.isdigit())
    assert htmx_visitor.enter_code(code).context["step"] == "account"


def test_a_different_number_keeps_name_and_email_and_kills_the_old_code(visitor, outbox):
    visitor.sign_up()
    old = outbox.last_code()
    page = visitor.change_number()
    assert page.context["step"] == "number"
    assert "Signing up as <strong>Jenny Tutone</strong> (jenny@example.com)" in words(page)
    assert 'name="password"' not in words(page)
    assert 'value="(201) 867-5309"' in words(page)
    assert visitor.open().context["step"] == "number"  # a reload stays here

    page = visitor.set_number("+1 415 555 2671")
    assert page.context["step"] == "code"
    assert "+1 •••-•••-2671" in words(page)
    assert visitor.enter_code(old).status_code == 422
    assert visitor.enter_code(outbox.last_code("+14155552671")).context["step"] == "account"


def test_a_bad_new_number_is_refused_with_the_form_kept(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    htmx_visitor.change_number()
    page = htmx_visitor.set_number("555")
    assert page.status_code == 422
    assert page.context["step"] == "number"
    assert page.context["errors"]["phone"] == "This is not a valid number for the country chosen"
    assert 'value="555"' in words(page)
    assert "Signing up as <strong>Jenny Tutone</strong> (jenny@example.com)" in words(page)
    assert len(outbox.messages()) == 1


def test_the_same_number_again_keeps_the_cooldown(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    htmx_visitor.change_number()
    clock.advance(10)
    page = htmx_visitor.set_number("201 867 5309")
    assert page.context["step"] == "code"
    assert "You can ask for a new code in 20 seconds." in words(page)
    assert len(outbox.messages()) == 1
    clock.advance(20)
    htmx_visitor.resend()
    assert htmx_visitor.enter_code(outbox.last_code()).context["step"] == "account"
