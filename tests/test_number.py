"""The number step: a signup waiting for its code gives a different number."""

from support import words


def test_a_different_number_keeps_name_and_email_and_kills_the_old_code(visitor, outbox):
    visitor.sign_up()
    old = outbox.last_code()
    page = visitor.different_number()
    assert page.context["step"] == "different_number"
    assert "Signing up as <strong>Jenny Tutone</strong> (<bdi>jenny@example.com</bdi>)" in words(page)
    assert 'name="password"' not in words(page)
    assert 'value="(201) 867-5309"' in words(page)
    assert visitor.open().context["step"] == "different_number"  # a reload stays here

    page = visitor.set_number("+1 415 555 2671")
    assert page.context["step"] == "code"
    assert "+1 •••-•••-2671" in words(page)
    assert visitor.enter_code(old).status_code == 422
    assert visitor.enter_code(outbox.last_code("+14155552671")).context["step"] == "account"


def test_a_bad_new_number_is_refused_with_the_form_kept(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    htmx_visitor.different_number()
    page = htmx_visitor.set_number("555")
    assert page.status_code == 422
    assert page.context["step"] == "different_number"
    assert page.context["errors"]["phone"] == "This is not a valid number for the country chosen"
    assert 'value="555"' in words(page)
    assert "Signing up as <strong>Jenny Tutone</strong> (<bdi>jenny@example.com</bdi>)" in words(page)
    assert len(outbox.messages()) == 1


def test_the_same_number_again_keeps_the_cooldown(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    htmx_visitor.different_number()
    clock.advance(10)
    page = htmx_visitor.set_number("201 867 5309")
    assert page.context["step"] == "code"
    assert "You can ask for a new code in 20 seconds." in words(page)
    assert len(outbox.messages()) == 1
    clock.advance(20)
    htmx_visitor.resend()
    assert htmx_visitor.enter_code(outbox.last_code()).context["step"] == "account"
