"""The pumping guard, whatever the provider: a range or a country whose codes go
unentered is paused for new signups' texts and calls, and nothing else is: a
small blast radius. Accounts that entered their codes before go on."""

import logging
from dataclasses import replace

import pytest
from support import words


@pytest.fixture
def provider_settings(provider_settings):
    """The guard on its own: proof of work near a ceiling has its tests (test_proof_of_work.py)."""
    return replace(provider_settings, proof_of_work_percent=0)


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


def test_a_range_whose_codes_are_never_entered_is_paused_for_texts_and_calls(open_app, fake, clock, caplog):
    _pump(open_app, [f"+1 201 555 {n:04d}" for n in range(10)])
    clock.advance(601)  # the codes are old enough to have been entered: none was
    with caplog.at_level(logging.WARNING):
        _pump(open_app, ["+1 201 555 0100"])  # judged: 0 of 10 verified, so the range pauses
    assert "pumping guard: codes to prefix:+1201555 paused for 1800s: 0 of 10 codes verified" in caplog.text
    sent = len(fake.texts)
    visitor = open_app("twilio-verify", address="203.0.113.201")
    page = visitor.sign_up(email="unlucky@example.com", phone="+1 201 555 0200")
    assert page.context["step"] == "code" and len(fake.texts) == sent
    assert (
        "Codes to numbers like yours are paused for a while because of unusual activity. "
        "You can use a different number, or try again in 30 minutes."
    ) in words(page)
    clock.advance(30)
    calls = len(fake.calls)
    assert visitor.resend("call").status_code == 429 and len(fake.calls) == calls  # calls pause too
    by_twilio = open_app("local", "twilio", address="203.0.113.204")  # Twilio's Calls API as well
    by_twilio.sign_up(email="twilio@example.com", phone="+1 201 555 0201")
    clock.advance(30)
    assert by_twilio.resend("call").status_code == 429 and fake.count("calls.create") == 0
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
        "Codes to numbers in United Kingdom are paused for a while because of unusual activity. "
        "You can use a different number, or try again in 30 minutes."
    ) in words(page)
    clock.advance(30)
    again = paused.resend()
    assert again.status_code == 429 and again.headers["Retry-After"] == "1770"
    assert "Check your messages" in words(_pump(open_app, ["+1 415 555 2671"], **few)[0])


def test_one_network_gets_five_of_a_ranges_twenty_codes_and_cannot_pause_it(open_app, fake, clock, caplog):
    """A /24 that signs up ten numbers of one range and enters no code: five go out, nothing pauses."""
    numbers = [f"+1 201 555 {n:04d}" for n in range(10)]
    pages = [
        open_app("local", address=f"198.51.100.{n + 1}").sign_up(email=f"pump{n}@example.com", phone=number)
        for n, number in enumerate(numbers)
    ]
    assert len([text for text in fake.texts if text.to.startswith("+1201555")]) == 5
    assert "Too many codes were requested" in words(pages[-1])
    clock.advance(601)
    with caplog.at_level(logging.WARNING):
        page = open_app("local", address="192.0.2.9").sign_up(email="real@example.com", phone="+1 201 555 0100")
    assert "Check your messages for the code." in words(page) and "pumping guard" not in caplog.text


def test_an_account_that_entered_its_codes_signs_in_while_its_range_is_full(open_app, fake, delivered):
    few = {"sends_per_prefix_hour": 3}
    owner = open_app("local", address="192.0.2.12", **few)
    owner.sign_up(email="owner@example.com", phone="+1 201 555 0999")
    owner.enter_code(delivered.last_code("+12015550999"))
    owner.sign_out()
    _pump(open_app, [f"+1 201 555 {n:04d}" for n in range(3)], **few)  # the range's hour is spent
    assert [bool(fake.sent_to(f"+1201555{n:04d}")) for n in range(3)] == [True, True, False]
    owner.sign_in(email="owner@example.com")
    assert owner.enter_code(delivered.last_code("+12015550999")).context["step"] == "account"


def test_an_account_that_entered_its_codes_signs_in_while_its_range_is_paused(open_app, fake, delivered, clock):
    owner = open_app("local", address="192.0.2.10")
    owner.sign_up(email="owner@example.com", phone="+1 201 555 0999")
    owner.enter_code(delivered.last_code("+12015550999"))
    owner.sign_out()
    _pump(open_app, [f"+1 201 555 {n:04d}" for n in range(10)])
    clock.advance(601)
    _pump(open_app, ["+1 201 555 0100"])  # the range pauses
    assert "paused" in words(open_app("local", address="192.0.2.11").sign_up(phone="+1 201 555 0200"))
    owner.sign_in(email="owner@example.com")
    assert owner.enter_code(delivered.last_code("+12015550999")).context["step"] == "account"
