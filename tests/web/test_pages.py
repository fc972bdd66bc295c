"""GET /: whatever step the visitor is at, after a reload too."""

from support import words

from components.storage.session_records import SessionRecords
from components.storage.users import Users


def test_reload_shows_the_current_step_at_every_point(visitor, outbox, clock):
    assert visitor.open().context["step"] == "signup"
    visitor.sign_up()
    assert visitor.open().context["step"] == "code"
    visitor.different_number()
    assert visitor.open().context["step"] == "different_number"
    clock.advance(30)  # a new number is sent a code as a resend would be
    visitor.set_number("415 555 2671")
    assert visitor.open().context["step"] == "code"
    visitor.enter_code(outbox.last_code("+14155552671"))
    page = visitor.open()
    assert page.context["step"] == "account" and "Hi there Jenny Tutone!" in words(page)


def test_each_request_reads_the_account_once(visitor, outbox, clock, monkeypatch):
    reads = []
    for reader, method in ((Users, "get"), (SessionRecords, "account")):
        original = getattr(reader, method)
        monkeypatch.setattr(reader, method, lambda *args, _original=original: reads.append(1) or _original(*args))

    def reads_during(action) -> int:
        reads.clear()
        action()
        return len(reads)

    visitor.sign_up()
    # A no-JS post answers 303 and the page is a second request: one read each.
    most = 1 if visitor.htmx else 2
    assert reads_during(visitor.open) == 1
    assert reads_during(lambda: visitor.enter_code("0000000")) <= most
    assert reads_during(visitor.resend) <= most  # within the cooldown
    clock.advance(30)
    assert reads_during(visitor.resend) <= most
    assert reads_during(visitor.different_number) <= most
    clock.advance(30)
    assert reads_during(lambda: visitor.set_number("415 555 2671")) <= most
    assert reads_during(lambda: visitor.enter_code(outbox.last_code("+14155552671"))) <= most
    assert reads_during(visitor.open) == 1


def test_every_new_visitor_gets_a_page_and_a_token_of_their_own(new_visitor, outbox):
    """The page a new visitor sees is rendered once; only the CSRF token differs."""
    first, second = new_visitor(htmx=False), new_visitor(htmx=False)
    assert first.token != second.token
    assert first.open().text.replace(first.token, "") == second.open().text.replace(second.token, "")
    assert first.sign_up().context["step"] == "code"
    assert second.sign_up(email="other@example.com", phone="+1 415 555 2671").context["step"] == "code"
