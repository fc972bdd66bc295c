"""GET /: whatever step the visitor is at, after a reload too."""

from support import words


def test_reload_shows_the_current_step_at_every_point(visitor, outbox):
    assert visitor.open().context["step"] == "signup"
    visitor.sign_up()
    assert visitor.open().context["step"] == "code"
    visitor.change_number()
    assert visitor.open().context["step"] == "number"
    visitor.set_number("415 555 2671")
    assert visitor.open().context["step"] == "code"
    visitor.enter_code(outbox.last_code("+14155552671"))
    page = visitor.open()
    assert page.context["step"] == "account" and "Hi there Jenny Tutone!" in words(page)
