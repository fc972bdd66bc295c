"""Sessions that end, passwords that are not guessable, signups that do not
hold an email forever, and client addresses that cannot be forged."""

import asyncio
import os
import threading
import time

import bcrypt
import pytest
from support import JENNY, words

from components.passwords import Passwords
from components.web.addresses import client_address


def test_an_idle_session_ends(verified, clock):
    clock.advance(3599)
    assert verified.open().context["step"] == "account"  # activity keeps it alive
    clock.advance(3599)
    assert verified.open().context["step"] == "account"
    clock.advance(3601)
    assert verified.open().context["step"] == "signup"


def test_a_busy_session_still_ends_after_its_lifetime(verified, clock):
    for _ in range(13):
        clock.advance(3500)
        page = verified.open()
    assert page.context["step"] == "signup"


def test_sign_out_kills_every_copy_of_the_cookie(verified, new_visitor):
    stolen = verified.session()
    verified.sign_out()
    thief = new_visitor()
    thief.client.cookies.set("session", stolen)
    assert thief.open().context["step"] == "signup"
    assert "Jenny" not in thief.open().text


def test_sign_in_issues_a_new_session(verified, new_visitor):
    other = new_visitor()
    before = other.session()
    other.sign_in()
    assert other.session() != before
    assert other.open().context["step"] == "account"


@pytest.mark.parametrize("password", ["password1", "iloveyou", "PASSWORD", "qwertyuiop", "12345678"])
def test_common_passwords_are_refused(htmx_visitor, outbox, password):
    page = htmx_visitor.sign_up(password=password)
    assert page.status_code == 422
    assert "one of the most common ones" in page.context["errors"]["password"]
    assert outbox.messages() == []


def test_long_passphrases_are_welcome(htmx_visitor):
    page = htmx_visitor.sign_up(password="a river of sand runs under the old stone bridge at dawn, every day")
    assert page.context["step"] == "code"


def test_an_unfinished_signup_releases_its_email_after_a_day(htmx_visitor, new_visitor, outbox, clock):
    htmx_visitor.sign_up()
    clock.advance(24 * 3600 + 1)
    newcomer = new_visitor()
    page = newcomer.sign_up(password="a completely different password", phone="+1 415 555 2671")
    assert page.context["step"] == "code"
    assert newcomer.enter_code(outbox.last_code("+14155552671")).context["step"] == "account"
    assert htmx_visitor.open().context["step"] == "signup"


def test_unknown_email_and_wrong_password_cost_the_same(verified, new_visitor, monkeypatch):
    checks = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *args: checks.append(1) or original(*args))
    stranger = new_visitor()
    unknown = stranger.sign_in(email="nobody@example.com")
    wrong = stranger.sign_in(password="not the password at all")
    assert checks == [1, 1]
    assert (unknown.status_code, words(unknown).count("not right")) == (wrong.status_code, words(wrong).count("not right"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.5", "1.2.3.4", (), "203.0.113.5"),  # no proxies trusted: the header is ignored
        ("203.0.113.5", "1.2.3.4", ("10.0.0.0/8",), "203.0.113.5"),  # not from a trusted proxy
        ("10.0.0.2", "1.2.3.4", ("10.0.0.0/8",), "1.2.3.4"),
        ("10.0.0.2", "6.6.6.6, 1.2.3.4, 10.0.0.9", ("10.0.0.0/8",), "1.2.3.4"),  # the forged left part is skipped
        ("10.0.0.2", "", ("10.0.0.0/8",), "10.0.0.2"),
        ("10.0.0.2", "garbage", ("10.0.0.0/8",), "garbage"),
    ],
)
def test_the_client_address_trusts_only_configured_proxies(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted) == expected


def test_the_password_is_never_shown_again(htmx_visitor):
    page = htmx_visitor.sign_up(email="broken")
    assert JENNY["password"] not in page.text


@pytest.mark.anyio
async def test_bcrypt_never_runs_on_the_event_loop(monkeypatch):
    threads = []
    for name in ("hashpw", "checkpw"):
        original = getattr(bcrypt, name)
        monkeypatch.setattr(bcrypt, name, lambda *args, _f=original: threads.append(threading.get_ident()) or _f(*args))
    passwords = Passwords(4)
    hashed = await passwords.hash("a long enough password")
    assert await passwords.check("a long enough password", hashed)
    assert await passwords.check("anything", None) is False
    assert threads and threading.get_ident() not in threads


@pytest.mark.anyio
async def test_a_signup_rush_hashes_one_password_per_core_at_a_time(monkeypatch):
    """More hashes at once would not be faster; they would starve page loads."""
    running, most = 0, 0

    def slow_hash(password, salt):
        nonlocal running, most
        running += 1
        most = max(most, running)
        time.sleep(0.05)
        running -= 1
        return b"$2b$04$" + b"x" * 53

    monkeypatch.setattr(bcrypt, "hashpw", slow_hash)
    passwords = Passwords(4)
    await asyncio.gather(*(passwords.hash(f"password {n}") for n in range(4 * (os.cpu_count() or 1))))
    assert most == (os.cpu_count() or 1)
