"""The account step: the verified account's page, and signing out."""

from support import words


def test_sign_out_ends_the_session(visitor, outbox):
    visitor.sign_up()
    visitor.enter_code(outbox.last_code())
    page = visitor.sign_out()
    assert page.context["step"] == "signup"
    assert "You are signed out." in words(page)
    assert visitor.open().context["step"] == "signup"
