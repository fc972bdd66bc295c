"""Password guessing: bcrypt runs only as often as the limits per email and per
address allow (an IPv6 /64 counts as one), racing guesses included, and a
password asked again in the account's settings is throttled as sign-in's is."""

import asyncio

import pytest
from support import JENNY

from components.flows.signin import sign_in
from components.flows.signup import sign_up
from components.forms import Credentials, read_signup
from flows.attacks import (
    GUESSES,
    bcrypt_checks,
)


def test_two_hundred_wrong_passwords_from_one_address_run_bcrypt_ten_times(verified, new_visitor, monkeypatch):
    checks = bcrypt_checks(monkeypatch)
    guesser = new_visitor(address="198.51.100.40")
    statuses = [guesser.sign_in(password=f"guess {n}").status_code for n in range(GUESSES)]
    assert checks() == 10
    assert statuses.count(422) == 10 and statuses.count(429) == GUESSES - 10


def test_two_hundred_wrong_passwords_from_a_whole_ipv6_network_run_bcrypt_thirty_times(new_visitor, monkeypatch):
    """Credential stuffing: a new email each time, from 100 addresses of one /64."""
    checks = bcrypt_checks(monkeypatch)
    visitors = [new_visitor(address=f"2001:db8:42:1::{n + 1:x}") for n in range(100)]
    for n in range(GUESSES):
        visitors[n % 100].sign_in(email=f"victim{n}@example.com", password="Summer2026!")
    assert checks() == 30


@pytest.mark.anyio
async def test_fifty_wrong_passwords_at_once_cannot_pass_the_limit(services, monkeypatch):
    checks = bcrypt_checks(monkeypatch)
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    wrong = Credentials(JENNY["email"], "not the password")
    results = await asyncio.gather(*(sign_in(services, wrong, f"10.0.1.{n}") for n in range(50)))
    assert checks() == 10
    assert sorted(result.kind for result in results) == ["invalid"] * 10 + ["slow_down"] * 40


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/account/close", {"confirm": "yes"}),
        ("/account/mobile", {"country": "GB", "phone": "+44 7400 123456"}),
        ("/account/password", {"new_password": "a brand new passphrase"}),
    ],
)
def test_a_password_asked_again_is_throttled_like_sign_in(verified, clock, monkeypatch, path, fields):
    checks = bcrypt_checks(monkeypatch)
    clock.advance(601)
    verified.open()
    name = "current_password" if path == "/account/password" else "password"
    statuses = [verified.post(path, {**fields, name: f"guess {n}"}).status_code for n in range(100)]
    assert checks() == 10 and statuses.count(429) == 90


def _throttle_the_email(new_visitor, email: str = JENNY["email"]) -> None:
    """What anyone who knows the email can do: wrong passwords from fourteen addresses."""
    for n in range(25):
        new_visitor(address=f"198.51.100.{100 + n % 14}").sign_in(email=email, password=f"guess {n}")


def test_a_browser_that_passed_the_code_still_signs_in_while_strangers_throttle_the_email(verified, new_visitor):
    verified.sign_out()
    _throttle_the_email(new_visitor)
    stranger = new_visitor(address="203.0.113.77")
    assert stranger.sign_in().status_code == 429  # the right password, from a browser never seen: throttled
    page = verified.sign_in()  # the owner's own browser, which typed a code for this account
    assert page.status_code == 200 and page.context["step"] == "code"


def test_a_known_browsers_wrong_passwords_count_against_that_browser(verified, new_visitor, monkeypatch):
    checks = bcrypt_checks(monkeypatch)
    verified.sign_out()
    statuses = [verified.sign_in(password=f"mistyped {n}").status_code for n in range(15)]
    assert statuses == [422] * 10 + [429] * 5 and checks() == 10
    assert new_visitor(address="203.0.113.78").sign_in().context["step"] == "code"  # the email is not spent


def test_a_browser_known_to_another_account_is_a_stranger_here(verified, new_visitor, outbox):
    other = new_visitor(address="203.0.113.79")
    other.sign_up(email="other@example.com", phone="+1 415 555 2671")
    other.enter_code(outbox.last_code("+14155552671"))
    other.sign_out()
    _throttle_the_email(new_visitor)
    assert other.sign_in().status_code == 429


def test_a_known_browsers_mistakes_throttle_no_other_known_browser(verified, new_visitor, outbox):
    laptop = new_visitor(address="203.0.113.80")
    laptop.sign_in()
    laptop.enter_code(outbox.last_code())  # known now, as the phone's browser is
    verified.sign_out()
    laptop.sign_out()
    assert [verified.sign_in(password=f"mistyped {n}").status_code for n in range(11)][-1] == 429
    assert laptop.sign_in().context["step"] == "code"
