"""The attack suite: what a public SMS signup form meets on day one.
Brute force of codes and passwords, SMS pumping and races (on SQLite, or
PostgreSQL with TEST_DATABASE_URL), each with what it may cost us."""

import asyncio
import logging
from dataclasses import replace

import bcrypt
import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient
from support import JENNY, JENNY_E164, SECRET, Visitor, browser, words

from app import create_app
from components.flows.checking import check_code
from components.flows.reset import request_reset
from components.flows.results import Failure, Success
from components.flows.sending import resend
from components.flows.signin import sign_in
from components.flows.signup import sign_up
from components.forms import Credentials, read_signup
from components.providers.local import LocalVerifier
from components.settings import Settings
from components.storage.database import users

WRONG = "0000000"  # seven digits: never a six-digit code
GUESSES = 200  # several times each bound tested (10, 20, 30): every guess past it is refused alike


@pytest.fixture
def start(provider_settings, clock):
    """An app with these settings; each call opens a browser on it from an address."""
    running = {}

    def visit(verify: str = "twilio-verify", sms: str = "twilio", address: str = "198.51.100.7", **changes) -> Visitor:
        key = (verify, sms, tuple(sorted(changes.items())))
        if key not in running:
            settings = replace(provider_settings, verify_provider=verify, sms_provider=sms, **changes)
            running[key] = TestClient(create_app(settings, clock=clock)).__enter__()
        return Visitor(browser(running[key], address), htmx=True)

    yield visit
    for client in running.values():
        client.__exit__(None, None, None)


class FirstCallWaits:
    """A verifier whose first call of `method` (start or check) reaches the provider
    only when released: the moment another request gets there first."""

    def __init__(self, verifier, method: str):
        self.verifier, self.method = verifier, method
        self.waiting, self.released = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name):
        found = getattr(self.verifier, name)
        if name != self.method:
            return found

        async def first_waits(*args):
            if not self.waiting.is_set():
                self.waiting.set()
                await self.released.wait()
            return await found(*args)

        return first_waits


async def _overtaken(services, method: str, act) -> tuple:
    """`act(services)` twice at once, the first reaching the provider's `method` only
    once the second has finished: the first's answer, then the second's."""
    gate = FirstCallWaits(services.verifier, method)
    racing = replace(services, verifier=gate)
    late = asyncio.create_task(act(racing))
    await gate.waiting.wait()
    second = await act(racing)
    gate.released.set()
    return await late, second


def _local_checks(monkeypatch) -> callable:
    """How many guesses reached the local verifier's check."""
    calls = []
    original = LocalVerifier.check

    async def counted(self, user, code):
        calls.append(code)
        return await original(self, user, code)

    monkeypatch.setattr(LocalVerifier, "check", counted)
    return lambda: len(calls)


def _check_counter(monkeypatch, verify: str, fake) -> callable:
    """How many guesses reached the code check (the provider's, or our own)."""
    if verify != "local":
        return lambda: fake.count("verify.check" if verify == "twilio-verify" else "authy.verify")
    return _local_checks(monkeypatch)


@pytest.mark.parametrize("verify", ["local", "twilio-verify", "authy"])
def test_two_hundred_wrong_codes_reach_the_check_twenty_times_then_lock(
    start, fake, delivered, clock, monkeypatch, verify
):
    checks = _check_counter(monkeypatch, verify, fake)
    visitor = start(verify)
    visitor.sign_up()
    answers = []
    for _ in range(GUESSES):
        page = visitor.enter_code(WRONG)
        answers.append(page.status_code)
        if "Too many wrong tries" in words(page):  # the attacker asks for the next code
            clock.advance(30)
            visitor.resend()
    assert checks() == 20  # 4 codes x 5 tries, then the account locks
    assert answers.count(429) >= GUESSES - 20 - 4
    locked = visitor.enter_code(delivered.last_code())
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 3500
    assert "Try again in 60 minutes" in words(locked)
    assert checks() == 20  # the right code did not even reach the check
    clock.advance(3601)  # the lock is over; so is the idle session
    assert visitor.sign_in().context["step"] == "code"
    visitor.resend()
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


def test_signups_from_one_address_stop_at_ten_an_hour(start, fake):
    visitor = start()
    pages = [visitor.sign_up(email=f"p{n}@example.com", phone=f"+1 201 555 {n:04d}") for n in range(14)]
    assert [page.status_code for page in pages].count(200) == 10
    refused = pages[-1]
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "Too many signups from your network. Try again in" in words(refused)
    assert 'value="p13@example.com"' in refused.text  # the input stays on screen
    assert fake.count("verify.start") == 10


def test_one_number_gets_five_codes_an_hour_and_ten_a_day(start, fake, clock):
    def sign_up_from(n: int):
        return start("local", address=f"198.51.100.{n}").sign_up(email=f"victim{n}@example.com")

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


def test_one_address_gets_twenty_codes_an_hour(start, fake, clock):
    visitor = start(signups_per_address_hour=0)
    for n in range(25):
        visitor.sign_up(email=f"a{n}@example.com", phone=f"+1 201 555 {n:04d}")
    assert fake.count("verify.start") == 20


def test_a_global_ceiling_is_off_unless_asked_for_and_caps_sends_per_minute(start, fake, clock):
    assert Settings(app_secret=SECRET).sends_per_minute == 0
    for n in range(5):
        start(address=f"198.51.100.{n}", sends_per_minute=3).sign_up(
            email=f"g{n}@example.com",
            phone=f"+1 201 555 {n:04d}",
        )
    assert fake.count("verify.start") == 3
    clock.advance(60)
    start(address="198.51.100.9", sends_per_minute=3).sign_up(email="later@example.com")
    assert fake.count("verify.start") == 4


def test_numbers_outside_the_allowed_countries_never_reach_a_provider(start, fake):
    visitor = start(allowed_countries=("US", "CA"))
    for number in ("+44 7400 123456", "+234 802 123 4567", "+882 1234 5678", "+1 876 210 1234"):
        page = visitor.sign_up(phone=number)
        assert page.status_code == 422
        assert page.context["errors"]["phone"].startswith(("We can only send codes to numbers in", "This is not"))
    assert fake.calls == []
    assert '<option value="GB"' not in visitor.open().text


@pytest.mark.anyio
async def test_fifty_signups_with_one_email_make_one_account(services, db, outbox):
    details = read_signup(JENNY, "US")
    results = await asyncio.gather(*(sign_up(services, details, f"10.0.0.{n}") for n in range(50)))
    # Each resume checks the password, and checks in flight count against the email's
    # limit until they turn out right: a crowd at once may be told to wait.
    resumed = [result for result in results if isinstance(result, Success)]
    throttled = [result for result in results if isinstance(result, Failure)]
    assert len(resumed) >= services.settings.password_failures_per_email
    assert all(result.kind == "slow_down" and result.retry_after for result in throttled)
    assert {result.user.id for result in resumed} == {resumed[0].user.id}
    assert await db.fetch_val(sa.select(sa.func.count()).select_from(users)) == 1
    assert len(outbox.messages()) == 1  # the others found the cooldown running


@pytest.mark.anyio
async def test_the_last_signup_slot_of_an_address_goes_to_one_request(services):
    attempts = [read_signup({**JENNY, "email": f"p{n}@example.com"}, "US") for n in range(15)]
    results = await asyncio.gather(*(sign_up(services, details, "10.9.9.9") for details in attempts))
    assert sum(1 for result in results if getattr(result, "retry_after", None)) == 5


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
async def test_racing_guesses_cannot_pass_five_tries(services, outbox, monkeypatch):
    first = await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    checks = _local_checks(monkeypatch)
    wrong = f"{(int(outbox.last_code()) + 1) % 10**6:06d}"
    await asyncio.gather(*(check_code(services, first.user, wrong, "10.0.0.1") for _ in range(40)))
    assert checks() == 5


@pytest.mark.anyio
async def test_two_right_codes_at_once_verify_once_and_confirm_once(services, outbox):
    result = await sign_up(services, read_signup(JENNY, "US"), "203.0.113.9")
    code = outbox.last_code()
    results = await asyncio.gather(*(check_code(services, result.user, code, "203.0.113.9") for _ in range(2)))
    # The loser of the race may be told the code is used up; a reload shows the account.
    assert any(isinstance(r, Success) and r.user.verified for r in results)
    assert (await services.users.get(result.user.id)).verified
    await services.background.idle()
    assert len([m for m in outbox.messages() if "Welcome aboard" in m["body"]]) == 1


@pytest.mark.anyio
async def test_a_signup_code_the_other_request_just_used_answers_verified_not_replaced(services, outbox):
    result = await sign_up(services, read_signup(JENNY, "US"), "203.0.113.9")
    code = outbox.last_code()
    late, first = await _overtaken(
        services, "check", lambda racing: check_code(racing, result.user, code, "203.0.113.9")
    )
    assert isinstance(first, Success) and isinstance(late, Success)
    assert late.user.verified and late.fresh_session and late.notice.text.message == "Your number is verified."


@pytest.mark.anyio
async def test_a_resend_while_another_request_sends_shows_the_account_as_that_one_left_it(services, clock):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    clock.advance(30)
    account = await services.users.get(1)
    late, second = await _overtaken(services, "start", lambda racing: resend(racing, account, "sms", "10.0.0.1"))
    assert isinstance(late, Success)
    assert isinstance(second, Failure) and second.kind == "slow_down"
    assert account.sending_until is None and second.user is not None and second.user.sending_until is not None


@pytest.mark.anyio
async def test_a_sign_in_code_the_other_request_just_used_asks_for_a_new_one(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    started = await sign_in(services, Credentials(JENNY["email"], JENNY["password"]), "10.0.0.1")
    assert isinstance(started, Success)
    account, code = await services.users.get(1), outbox.last_code()
    late, first = await _overtaken(services, "check", lambda racing: check_code(racing, account, code, "10.0.0.1"))
    assert isinstance(first, Success)
    assert isinstance(late, Failure) and late.field == "code"
    assert late.notice.text.message.startswith("This code has expired or was replaced.")


# Sign-in: password guessing and the sign-in code -------------------------------------


def _bcrypt_checks(monkeypatch) -> callable:
    calls = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *args: calls.append(1) or original(*args))
    return lambda: len(calls)


def test_two_hundred_wrong_passwords_from_one_address_run_bcrypt_ten_times(verified, new_visitor, monkeypatch):
    checks = _bcrypt_checks(monkeypatch)
    guesser = new_visitor(address="198.51.100.40")
    statuses = [guesser.sign_in(password=f"guess {n}").status_code for n in range(GUESSES)]
    assert checks() == 10
    assert statuses.count(422) == 10 and statuses.count(429) == GUESSES - 10


def test_two_hundred_wrong_passwords_from_a_whole_ipv6_network_run_bcrypt_thirty_times(new_visitor, monkeypatch):
    """Credential stuffing: a new email each time, from 100 addresses of one /64."""
    checks = _bcrypt_checks(monkeypatch)
    visitors = [new_visitor(address=f"2001:db8:42:1::{n + 1:x}") for n in range(100)]
    for n in range(GUESSES):
        visitors[n % 100].sign_in(email=f"victim{n}@example.com", password="Summer2026!")
    assert checks() == 30


@pytest.mark.anyio
async def test_fifty_wrong_passwords_at_once_cannot_pass_the_limit(services, monkeypatch):
    checks = _bcrypt_checks(monkeypatch)
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    wrong = Credentials(JENNY["email"], "not the password")
    results = await asyncio.gather(*(sign_in(services, wrong, f"10.0.1.{n}") for n in range(50)))
    assert checks() == 10
    assert sorted(result.kind for result in results) == ["invalid"] * 10 + ["slow_down"] * 40


@pytest.mark.parametrize("verify", ["local", "twilio-verify", "authy"])
def test_two_hundred_wrong_sign_in_codes_reach_the_check_twenty_times_then_lock(
    start,
    fake,
    delivered,
    clock,
    monkeypatch,
    verify,
):
    visitor = start(verify)
    visitor.sign_up()
    visitor.enter_code(delivered.last_code())
    visitor.sign_out()
    counter = _check_counter(monkeypatch, verify, fake)
    before = counter()

    def checks() -> int:
        return counter() - before

    attacker = start(verify, address="198.51.100.50")  # knows the password, not the phone
    assert attacker.sign_in().context["step"] == "code"
    for _ in range(GUESSES):
        page = attacker.enter_code(WRONG)
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            attacker.resend()
    assert checks() == 20
    locked = attacker.enter_code(delivered.last_code())
    assert locked.status_code == 429 and "Try again in 60 minutes" in words(locked)
    assert checks() == 20
    assert attacker.open().context["step"] == "code"  # never signed in


# The sends per number would run out before a hundred guesses do: they are tested on their own.
UNLIMITED_SENDS = {"sends_per_number_hour": 0, "sends_per_number_day": 0, "sends_per_address_hour": 0}


def _settle(visitor: Visitor) -> None:
    """Wait for what the app does after answering."""
    visitor.client.portal.call(visitor.client.app.state.services.background.idle)


def _guess_through_every_lock(visitor: Visitor, clock, checks, guesses: int):
    """Wrong codes one after another until `guesses` reached the check, asking for a
    new code when one is spent and waiting out each hour's lock (signing in again:
    the session idled out, and a new code: the last one expired). The last answer."""
    for _ in range(2 * guesses):  # a bound: a guess that never reaches the check fails, not loops
        page = visitor.enter_code(WRONG)
        if checks() == guesses:
            return page
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            visitor.resend()
        elif "Try again in 60 minutes" in words(page):
            clock.advance(3601)
            visitor.sign_in()
            visitor.resend()  # the last code expired meanwhile
    raise AssertionError(f"of {2 * guesses} guesses, {checks()} reached the check: {words(page)}")


def test_a_hundred_wrong_codes_in_a_row_close_the_signup(start, fake, delivered, clock, monkeypatch):
    checks = _local_checks(monkeypatch)
    visitor = start("local", "console", **UNLIMITED_SENDS)
    visitor.sign_up()
    _guess_through_every_lock(visitor, clock, checks, 99)
    other = start("local", "console", address="198.51.100.98", **UNLIMITED_SENDS)
    other.sign_up(email="other@example.com", phone="+1 415 555 2671")
    last = _guess_through_every_lock(visitor, clock, checks, 100)
    assert checks() == 100
    assert last.context["step"] == "signup"
    assert other.open().context["step"] == "code"  # only that signup was closed
    assert "Too many wrong codes in a row, so this signup is closed. Start again below." in words(last)
    assert "This code" not in words(visitor.enter_code(WRONG)) and checks() == 100
    assert visitor.sign_in().status_code == 422  # the account is gone: its email is free again
    assert start("local", "console", address="198.51.100.99", **UNLIMITED_SENDS).sign_up().context["step"] == "code"


def test_a_hundred_wrong_sign_in_codes_stop_codes_for_the_account_for_good(start, fake, delivered, clock, monkeypatch):
    visitor = start("local", "console", **UNLIMITED_SENDS)
    visitor.sign_up()
    visitor.enter_code(delivered.last_code())
    visitor.sign_out()
    attacker = start("local", "console", address="198.51.100.60", **UNLIMITED_SENDS)
    attacker.sign_in()
    checks = _local_checks(monkeypatch)
    stopped = _guess_through_every_lock(attacker, clock, checks, 100)
    assert checks() == 100
    assert stopped.status_code == 429 and "Retry-After" not in stopped.headers
    assert "codes are stopped for this account" in words(stopped)
    clock.advance(30 * 24 * 3600)
    owner = start("local", "console", address="198.51.100.61", **UNLIMITED_SENDS)
    owner.sign_in()
    assert "codes are stopped for this account" in words(owner.enter_code(delivered.last_code()))
    assert checks() == 100


def test_signups_from_one_ipv6_network_count_as_one_address(start, fake):
    pages = [
        start(address=f"2001:db8:5:5::{n + 1:x}").sign_up(email=f"v6{n}@example.com", phone=f"+1 201 555 {n:04d}")
        for n in range(12)
    ]
    assert [page.status_code for page in pages] == [200] * 10 + [429] * 2
    assert start(address="2001:db8:5:6::1").sign_up(email="next@example.com").status_code == 200


def test_no_burst_of_texts_to_one_number_across_what_would_be_a_window_edge(start, fake, clock):
    clock.now = 1_800_003_590.0  # ten seconds before a whole hour
    for n in range(10):
        start("local", address=f"198.51.100.{n}").sign_up(email=f"edge{n}@example.com")
        clock.advance(2)  # ten signups within 20 seconds, across the hour
    assert len(fake.sent_to(JENNY_E164)) == 5


# Pumping: small blast radius -------------------------------------------------------


def _pump(start, numbers, **changes) -> list:
    """Unverified signups to these numbers, each from an address of its own."""
    return [
        start("local", address=f"10.{n // 250}.{n % 250}.1", **changes).sign_up(
            email=f"pump{n}-{number[-4:]}@example.com", phone=number
        )
        for n, number in enumerate(numbers)
    ]


def test_sixty_signups_to_one_range_leave_every_other_range_working(start, fake):
    _pump(start, [f"+1 201 555 {n:04d}" for n in range(60)])
    assert len([text for text in fake.texts if text.to.startswith("+1201555")]) == 20  # the range's hour
    elsewhere = start("local", address="203.0.113.200").sign_up(email="real@example.com", phone="+1 415 555 2671")
    assert elsewhere.status_code == 200 and "Check your messages for the code." in words(elsewhere)
    assert fake.sent_to("+14155552671")


def test_a_range_whose_codes_are_never_entered_is_paused_and_a_call_offered(start, fake, clock, caplog):
    _pump(start, [f"+1 201 555 {n:04d}" for n in range(10)])
    clock.advance(601)  # the codes are old enough to have been entered: none was
    with caplog.at_level(logging.WARNING):
        _pump(start, ["+1 201 555 0100"])  # judged: 0 of 10 verified, so the range pauses
    assert "pumping guard: texts to prefix:+1201555 paused for 1800s: 0 of 10 codes verified" in caplog.text
    sent = len(fake.texts)
    visitor = start("twilio-verify", address="203.0.113.201")
    page = visitor.sign_up(email="unlucky@example.com", phone="+1 201 555 0200")
    assert page.context["step"] == "code" and len(fake.texts) == sent
    assert (
        "Texts to numbers like yours are paused for a while because of unusual activity. We can call you with "
        "a code instead, or you can use a different number."
    ) in words(page)
    clock.advance(30)
    assert "We're calling" in words(visitor.resend("call"))  # calls go on
    assert (
        start("local", address="203.0.113.202")
        .sign_up(  # the next range does too
            email="next@example.com", phone="+1 201 556 0000"
        )
        .status_code
        == 200
    )
    clock.advance(1800)
    assert "Check your messages" in words(
        start("local", address="203.0.113.203").sign_up(email="later@example.com", phone="+1 201 555 0300")
    )


def test_a_range_whose_codes_are_entered_is_not_paused(start, fake, delivered, clock):
    for n in range(12):
        visitor = start("local", address=f"10.9.{n}.1")
        visitor.sign_up(email=f"real{n}@example.com", phone=f"+1 201 555 {n:04d}")
        if n % 3:  # two in three are entered
            visitor.enter_code(delivered.last_code(f"+1201555{n:04d}"))
    clock.advance(601)
    page = _pump(start, ["+1 201 555 0100"])[0]
    assert "Check your messages" in words(page)


def test_a_country_whose_codes_are_never_entered_is_paused(start, fake, clock):
    few = {"conversion_min_sends_country": 12, "conversion_min_sends_prefix": 100}
    _pump(start, [f"+44 7400 {n:02d}{n:04d}" for n in range(12)], **few)  # twelve ranges of one country
    clock.advance(601)
    _pump(start, ["+44 7400 990000"], **few)
    paused = start("local", address="10.0.0.13", **few)
    page = paused.sign_up(email="paused@example.com", phone="+44 7400 123456")
    assert (  # the local verifier's sender cannot call: another number, or the wait
        "Texts to numbers in United Kingdom are paused for a while because of unusual activity. "
        "You can use a different number, or try again in 30 minutes."
    ) in words(page)
    clock.advance(30)
    again = paused.resend()
    assert again.status_code == 429 and again.headers["Retry-After"] == "1770"
    assert "Check your messages" in words(_pump(start, ["+1 415 555 2671"], **few)[0])


# The account after signup: resets, new numbers, passwords asked again -------------------


def test_two_hundred_wrong_reset_codes_reach_the_check_twenty_times(start, fake, delivered, clock, monkeypatch):
    owner = start("local", "console", **UNLIMITED_SENDS)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    checks = _local_checks(monkeypatch)
    attacker = start("local", "console", address="198.51.100.70", **UNLIMITED_SENDS)
    attacker.request_reset()
    for _ in range(GUESSES):
        _settle(attacker)  # the reset's code goes out after the answer
        page = attacker.enter_code(WRONG)
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            attacker.resend()
    assert checks() == 20
    assert attacker.open().context["step"] == "code"  # never on to a new password


def test_two_hundred_wrong_new_number_codes_reach_the_check_twenty_times(start, fake, delivered, clock, monkeypatch):
    owner = start("local", "console", **UNLIMITED_SENDS)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    owner.post("/account/mobile", {"country": "GB", "phone": "+44 7400 123456"})
    checks = _local_checks(monkeypatch)
    for _ in range(GUESSES):
        page = owner.enter_code(WRONG)
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            owner.resend()
        elif "Try again in" in words(page):
            break
    assert checks() == 20
    assert "+1 •••-•••-5309" in words(owner.open("/account/mobile"))  # the number did not change


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account/close", {"confirm": "yes"}),
        ("/account/mobile", {"country": "GB", "phone": "+44 7400 123456"}),
        ("/account/password", {"new_password": "a brand new passphrase"}),
    ],
)
def test_a_password_asked_again_is_throttled_like_sign_in(verified, clock, monkeypatch, path, fields):
    checks = _bcrypt_checks(monkeypatch)
    clock.advance(601)
    verified.open()
    name = "current_password" if path == "/account/password" else "password"
    statuses = [verified.post(path, {**fields, name: f"guess {n}"}).status_code for n in range(100)]
    assert checks() == 10 and statuses.count(429) == 90


@pytest.mark.anyio
async def test_two_resets_at_once_send_one_code(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    texts = len(outbox.messages())
    results = await asyncio.gather(*(request_reset(services, JENNY["email"], f"10.0.2.{n}") for n in range(2)))
    await services.background.idle()
    assert sorted(type(result).__name__ for result in results) == ["Failure", "Success"]
    assert len(outbox.messages()) == texts + 1


@pytest.mark.anyio
async def test_two_right_reset_codes_at_once_let_one_session_choose_the_password(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    await request_reset(services, JENNY["email"], "10.0.3.1")
    await services.background.idle()
    account = await services.users.get(1)
    code = outbox.last_code()
    results = await asyncio.gather(*(check_code(services, account, code, "10.0.3.1") for _ in range(2)))
    winners = [result for result in results if isinstance(result, Success) and result.pending]
    assert len(winners) == 1 and winners[0].pending.purpose == "password"


def test_a_reset_code_counts_against_the_address_that_asked_for_it(start, fake, delivered, clock):
    """It is sent after the answer has gone, and still spends that address's sends."""
    owner = start("local", "console", address="198.51.100.70", sends_per_address_hour=1)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    owner.sign_out()
    asker = start("local", "console", address="198.51.100.71", sends_per_address_hour=1)
    asker.request_reset()
    _settle(asker)
    assert len(delivered.bodies()) == 3  # the signup's code, its confirmation, the reset's code
    refused = asker.sign_up(email="second@example.com", phone="+1 415 555 2671")
    assert refused.context["step"] == "code" and delivered.bodies("+14155552671") == []
