"""Checking codes under attack, whatever the provider and whatever the code is
for: guesses reach the check only as often as the rules allow (five a code,
twenty in a row before an hour's lock, a hundred before a signup closes or an
account's codes stop), and racing checks count each try and finish once."""

import asyncio

import pytest
from support import JENNY, words

from components.flows import reset
from components.flows.checking import check_code
from components.flows.reset import request_reset
from components.flows.results import Failure, Success
from components.flows.signin import sign_in
from components.flows.signup import sign_up
from components.forms import Credentials, read_signup
from flows.attacks import (
    GUESSES,
    UNLIMITED_SENDS,
    WRONG,
    check_counter,
    guess_through_every_lock,
    local_checks,
    overtaken,
)


@pytest.mark.parametrize("verify", ["local", "twilio-verify", "authy"])
def test_two_hundred_wrong_codes_reach_the_check_twenty_times_then_lock(
    open_app, fake, delivered, clock, monkeypatch, verify
):
    checks = check_counter(monkeypatch, verify, fake)
    visitor = open_app(verify)
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


@pytest.mark.parametrize("verify", ["local", "twilio-verify", "authy"])
def test_two_hundred_wrong_sign_in_codes_reach_the_check_twenty_times_then_lock(
    open_app,
    fake,
    delivered,
    clock,
    monkeypatch,
    verify,
):
    visitor = open_app(verify)
    visitor.sign_up()
    visitor.enter_code(delivered.last_code())
    visitor.sign_out()
    counter = check_counter(monkeypatch, verify, fake)
    before = counter()

    def checks() -> int:
        return counter() - before

    attacker = open_app(verify, address="198.51.100.50")  # knows the password, not the phone
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


def test_two_hundred_wrong_reset_codes_from_one_network_reach_the_check_twenty_times(
    open_app, fake, delivered, clock, monkeypatch
):
    """Five a session, twenty an hour from one /24, whatever the sessions; the owner's own code is untouched."""
    owner = open_app("local", "console", **UNLIMITED_SENDS)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    checks = local_checks(monkeypatch)
    attacker = open_app("local", "console", address="198.51.100.70", **UNLIMITED_SENDS)
    attacker.request_reset()
    for _ in range(GUESSES):
        delivered.settle()  # the reset's code goes out after the answer
        page = attacker.enter_code(WRONG)
        if "Too many wrong tries" in words(page):  # a new session for each five
            attacker = open_app("local", "console", address="198.51.100.70", **UNLIMITED_SENDS)
            attacker.request_reset()
    assert checks() == 20
    assert page.status_code == 429 and "Too many tries. Wait 3 minutes" in words(page)
    assert attacker.open().context["step"] == "code"  # never on to a new password
    owner.sign_out()
    owner.sign_in()
    assert owner.enter_code(delivered.last_code()).context["step"] == "account"  # nothing of hers was locked


def test_two_hundred_wrong_new_number_codes_reach_the_check_twenty_times(open_app, fake, delivered, clock, monkeypatch):
    owner = open_app("local", "console", **UNLIMITED_SENDS)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    owner.post("/account/mobile", {"country": "GB", "phone": "+44 7400 123456"})
    checks = local_checks(monkeypatch)
    for _ in range(GUESSES):
        page = owner.enter_code(WRONG)
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            owner.resend()
        elif "Try again in" in words(page):
            break
    assert checks() == 20
    assert "+1 •••-•••-5309" in words(owner.open("/account/mobile"))  # the number did not change


def test_a_hundred_wrong_codes_in_a_row_close_the_signup(open_app, fake, delivered, clock, monkeypatch):
    checks = local_checks(monkeypatch)
    visitor = open_app("local", "console", **UNLIMITED_SENDS)
    visitor.sign_up()
    guess_through_every_lock(visitor, clock, checks, 99)
    other = open_app("local", "console", address="198.51.100.98", **UNLIMITED_SENDS)
    other.sign_up(email="other@example.com", phone="+1 415 555 2671")
    last = guess_through_every_lock(visitor, clock, checks, 100)
    assert checks() == 100
    assert last.context["step"] == "signup"
    assert other.open().context["step"] == "code"  # only that signup was closed
    assert "Too many wrong codes in a row, so this signup is closed. Start again below." in words(last)
    assert "This code" not in words(visitor.enter_code(WRONG)) and checks() == 100
    assert visitor.sign_in().status_code == 422  # the account is gone: its email is free again
    assert open_app("local", "console", address="198.51.100.99", **UNLIMITED_SENDS).sign_up().context["step"] == "code"


def test_a_hundred_wrong_sign_in_codes_stop_codes_for_the_account_for_good(
    open_app, fake, delivered, clock, monkeypatch
):
    visitor = open_app("local", "console", **UNLIMITED_SENDS)
    visitor.sign_up()
    visitor.enter_code(delivered.last_code())
    visitor.sign_out()
    attacker = open_app("local", "console", address="198.51.100.60", **UNLIMITED_SENDS)
    attacker.sign_in()
    checks = local_checks(monkeypatch)
    stopped = guess_through_every_lock(attacker, clock, checks, 100)
    assert checks() == 100
    assert stopped.status_code == 429 and "Retry-After" not in stopped.headers
    assert "codes are stopped for this account" in words(stopped)
    clock.advance(30 * 24 * 3600)
    owner = open_app("local", "console", address="198.51.100.61", **UNLIMITED_SENDS)
    owner.sign_in()
    assert "codes are stopped for this account" in words(owner.enter_code(delivered.last_code()))
    assert checks() == 100


@pytest.mark.anyio
async def test_racing_guesses_cannot_pass_five_tries(services, outbox, monkeypatch):
    first = await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    checks = local_checks(monkeypatch)
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
    late, first = await overtaken(
        services, "check", lambda racing: check_code(racing, result.user, code, "203.0.113.9")
    )
    assert isinstance(first, Success) and isinstance(late, Success)
    assert late.user.verified and late.fresh_session and late.notice.text.message == "Your number is verified."


@pytest.mark.anyio
async def test_a_sign_in_code_the_other_request_just_used_asks_for_a_new_one(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    started = await sign_in(services, Credentials(JENNY["email"], JENNY["password"]), "10.0.0.1")
    assert isinstance(started, Success)
    account, code = await services.users.get(1), outbox.last_code()
    late, first = await overtaken(services, "check", lambda racing: check_code(racing, account, code, "10.0.0.1"))
    assert isinstance(first, Success)
    assert isinstance(late, Failure) and late.field == "code"
    assert late.notice.text.message.startswith("This code has expired or was replaced.")


@pytest.mark.anyio
async def test_two_right_reset_codes_at_once_let_one_session_choose_the_password(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    asked = await request_reset(services, JENNY["email"], "10.0.3.1")
    await services.background.idle()
    account = await services.users.get(1)
    code = outbox.last_code()
    results = await asyncio.gather(
        *(reset.check_code(services, account, asked.pending, code, "10.0.3.1") for _ in range(2))
    )
    winners = [result for result in results if isinstance(result, Success) and result.pending]
    assert len(winners) == 1 and winners[0].pending.purpose == "password"
