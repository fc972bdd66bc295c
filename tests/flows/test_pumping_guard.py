"""The pumping guard, whatever the provider: a range or a country whose codes go
unentered is paused for texts (calls go on), and nothing else is: a small blast
radius."""

import logging

from support import words


def _pump(open_app, numbers, **changes) -> list:
    """Unverified signups to these numbers, each from an address of its own."""
    return [
        open_app("local", address=f"10.{n // 250}.{n % 250}.1", **changes).sign_up(
            email=f"pump{n}-{number[-4:]}@example.com", phone=number
        )
        for n, number in enumerate(numbers)
    ]


def test_sixty_signups_to_one_range_leave_every_other_range_working(open_app, fake):
    _pump(open_app, [f"+1 201 555 {n:04d}" for n in range(60)])
    assert len([text for text in fake.texts if text.to.startswith("+1201555")]) == 20  # the range's hour
    elsewhere = open_app("local", address="203.0.113.200").sign_up(email="real@example.com", phone="+1 415 555 2671")
    assert elsewhere.status_code == 200 and "Check your messages for the code." in words(elsewhere)
    assert fake.sent_to("+14155552671")


def test_a_range_whose_codes_are_never_entered_is_paused_and_a_call_offered(open_app, fake, clock, caplog):
    _pump(open_app, [f"+1 201 555 {n:04d}" for n in range(10)])
    clock.advance(601)  # the codes are old enough to have been entered: none was
    with caplog.at_level(logging.WARNING):
        _pump(open_app, ["+1 201 555 0100"])  # judged: 0 of 10 verified, so the range pauses
    assert "pumping guard: texts to prefix:+1201555 paused for 1800s: 0 of 10 codes verified" in caplog.text
    sent = len(fake.texts)
    visitor = open_app("twilio-verify", address="203.0.113.201")
    page = visitor.sign_up(email="unlucky@example.com", phone="+1 201 555 0200")
    assert page.context["step"] == "code" and len(fake.texts) == sent
    assert (
        "Texts to numbers like yours are paused for a while because of unusual activity. We can call you with "
        "a code instead, or you can use a different number."
    ) in words(page)
    clock.advance(30)
    assert "We're calling" in words(visitor.resend("call"))  # calls go on
    assert (
        open_app("local", address="203.0.113.202")
        .sign_up(  # the next range does too
            email="next@example.com", phone="+1 201 556 0000"
        )
        .status_code
        == 200
    )
    clock.advance(1800)
    assert "Check your messages" in words(
        open_app("local", address="203.0.113.203").sign_up(email="later@example.com", phone="+1 201 555 0300")
    )


def test_a_range_whose_codes_are_entered_is_not_paused(open_app, fake, delivered, clock):
    for n in range(12):
        visitor = open_app("local", address=f"10.9.{n}.1")
        visitor.sign_up(email=f"real{n}@example.com", phone=f"+1 201 555 {n:04d}")
        if n % 3:  # two in three are entered
            visitor.enter_code(delivered.last_code(f"+1201555{n:04d}"))
    clock.advance(601)
    page = _pump(open_app, ["+1 201 555 0100"])[0]
    assert "Check your messages" in words(page)


def test_a_country_whose_codes_are_never_entered_is_paused(open_app, fake, clock):
    few = {"conversion_min_sends_country": 12, "conversion_min_sends_prefix": 100}
    _pump(open_app, [f"+44 7400 {n:02d}{n:04d}" for n in range(12)], **few)  # twelve ranges of one country
    clock.advance(601)
    _pump(open_app, ["+44 7400 990000"], **few)
    paused = open_app("local", address="10.0.0.13", **few)
    page = paused.sign_up(email="paused@example.com", phone="+44 7400 123456")
    assert (  # the local verifier's sender cannot call: another number, or the wait
        "Texts to numbers in United Kingdom are paused for a while because of unusual activity. "
        "You can use a different number, or try again in 30 minutes."
    ) in words(page)
    clock.advance(30)
    again = paused.resend()
    assert again.status_code == 429 and again.headers["Retry-After"] == "1770"
    assert "Check your messages" in words(_pump(open_app, ["+1 415 555 2671"], **few)[0])
