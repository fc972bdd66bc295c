"""Sending codes within every limit, whatever the provider: per number, per
address, overall, to the allowed countries only; windows that slide (no burst
at an edge); and racing resends that send one code."""

import asyncio
from dataclasses import replace

import pytest
from support import JENNY, JENNY_E164, SECRET, words

from components.flows.results import Failure, Success
from components.flows.sending import resend
from components.flows.signup import sign_up
from components.forms import read_signup
from components.settings import Settings
from flows.attacks import (
    FirstCallWaits,
    overtaken,
)


def test_one_number_gets_five_codes_an_hour_and_ten_a_day(open_app, fake, clock):
    def sign_up_from(n: int):
        return open_app("local", address=f"198.51.100.{n}").sign_up(email=f"victim{n}@example.com")

    for n in range(8):
        sign_up_from(n)
    assert len(fake.sent_to(JENNY_E164)) == 5
    clock.advance(3600)
    for n in range(8, 16):
        sign_up_from(n)
    assert len(fake.sent_to(JENNY_E164)) == 10
    clock.advance(3600)
    sign_up_from(16)
    assert len(fake.sent_to(JENNY_E164)) == 10  # the day's ten are spent


def test_one_address_gets_twenty_codes_an_hour(open_app, fake, clock):
    visitor = open_app(signups_per_address_hour=0)
    pages = [  # each to a range of its own: a network's share of one range is five
        visitor.sign_up(email=f"a{n}@example.com", phone=f"+1 201 {300 + n} 1234") for n in range(25)
    ]
    assert fake.count("verify.start") == 20
    assert "Too many codes were requested from your network. Try again in 3 minutes." in words(pages[-1])


def test_a_global_ceiling_is_off_unless_asked_for_and_caps_sends_per_minute(open_app, fake, clock):
    assert Settings(app_secret=SECRET).sends_per_minute == 0
    for n in range(5):
        open_app(address=f"198.51.100.{n}", sends_per_minute=3, proof_of_work_percent=0).sign_up(
            email=f"g{n}@example.com",
            phone=f"+1 201 555 {n:04d}",
        )
    assert fake.count("verify.start") == 3
    clock.advance(60)
    open_app(address="198.51.100.9", sends_per_minute=3, proof_of_work_percent=0).sign_up(email="later@example.com")
    assert fake.count("verify.start") == 4


def test_numbers_outside_the_allowed_countries_never_reach_a_provider(open_app, fake):
    visitor = open_app(allowed_countries=("US", "CA"))
    for number in ("+44 7400 123456", "+234 802 123 4567", "+882 1234 5678", "+1 876 210 1234"):
        page = visitor.sign_up(phone=number)
        assert page.status_code == 422
        assert page.context["errors"]["phone"].startswith(("We can only send codes to numbers in", "This is not"))
    assert fake.calls == []
    assert '<option value="GB"' not in visitor.open().text


def test_no_burst_of_texts_to_one_number_across_what_would_be_a_window_edge(open_app, fake, clock):
    clock.now = 1_800_003_590.0  # ten seconds before a whole hour
    for n in range(10):
        open_app("local", address=f"198.51.100.{n}").sign_up(email=f"edge{n}@example.com")
        clock.advance(2)  # ten signups within 20 seconds, across the hour
    assert len(fake.sent_to(JENNY_E164)) == 5


@pytest.mark.anyio
async def test_twenty_resends_at_once_send_one_code(services, outbox, clock):
    first = await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    clock.advance(30)
    results = await asyncio.gather(*(resend(services, first.user, "sms", "10.0.0.1") for _ in range(20)))
    assert len(outbox.messages()) == 2
    assert sum(1 for result in results if getattr(result, "retry_after", None)) == 19


@pytest.mark.anyio
async def test_a_resend_while_another_is_under_way_waits_until_that_one_is_given_up(services, outbox, clock):
    first = await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    clock.advance(services.settings.resend_cooldown_seconds)
    gate = FirstCallWaits(services.verifier, "start")
    racing = replace(services, verifier=gate, settings=replace(services.settings, send_timeout_seconds=8.0))
    under_way = asyncio.create_task(resend(racing, first.user, "sms", "10.0.0.1"))
    await gate.waiting.wait()
    right_away = await resend(racing, first.user, "sms", "10.0.0.2")
    clock.advance(7.5)
    at_the_end = await resend(racing, first.user, "sms", "10.0.0.3")
    gate.released.set()
    assert isinstance(await under_way, Success)
    assert right_away.retry_after == 8  # the send's deadline
    assert at_the_end.retry_after == 1  # half a second left: "in 1 second", never "in 0"
    assert len(outbox.messages()) == 2


@pytest.mark.anyio
async def test_a_resend_while_another_request_sends_shows_the_account_as_that_one_left_it(services, clock):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    clock.advance(30)
    account = await services.users.get(1)
    late, second = await overtaken(services, "start", lambda racing: resend(racing, account, "sms", "10.0.0.1"))
    assert isinstance(late, Success)
    assert isinstance(second, Failure) and second.kind == "slow_down"
    assert account.sending_until is None and second.user is not None and second.user.sending_until is not None


def test_each_code_text_says_what_the_code_is_for(open_app, delivered, clock):
    visitor = open_app("local", "console")
    visitor.sign_up()
    assert delivered.bodies()[-1].startswith("Your Account Verification verification code is ")
    visitor.enter_code(delivered.last_code())
    visitor.post("/account/mobile", {"country": "US", "phone": "+1 415 555 2671"})
    assert delivered.bodies()[-1].startswith("Your Account Verification code to approve a new number is ")
    visitor.enter_code(delivered.last_code())
    assert delivered.bodies("+14155552671")[-1].startswith("Your code to change your Account Verification number is ")
    visitor.post("/account/mobile/keep")
    visitor.sign_out()
    visitor.sign_in()
    assert delivered.bodies()[-1].startswith("Your Account Verification sign-in code is ")
    visitor.sign_out()
    clock.advance(60)
    visitor.request_reset()
    assert delivered.bodies()[-1].startswith("Your Account Verification password reset code is ")


def test_a_number_change_inside_a_signup_waits_like_a_resend(open_app, delivered, clock):
    visitor = open_app("local", "console")
    visitor.sign_up()
    visitor.different_number()
    page = visitor.set_number("415 555 2671")
    assert page.context["step"] == "code" and page.context["notice"].text == (
        "You can ask for a new code in 30 seconds."
    )
    assert delivered.bodies("+14155552671") == []
    clock.advance(30)
    assert "We sent a new code to" in words(visitor.resend()) and delivered.bodies("+14155552671")


def test_a_whole_ipv6_site_counts_as_one_sender_beside_its_64s(open_app, delivered):
    """Two codes an hour per /64 (four per /56), and ten per /48, however many /56s it spreads over."""
    answers = [
        open_app("local", "console", address=f"2001:db8:7:{n:x}00::1", sends_per_address_hour=2).sign_up(
            email=f"site{n}@example.com", phone=f"+1 415 {300 + n} 1234"
        )
        for n in range(12)
    ]
    sent = [n for n in range(12) if delivered.bodies(f"+1415{300 + n}1234")]
    assert sent == list(range(10)) and "Too many codes were requested" in words(answers[10])
