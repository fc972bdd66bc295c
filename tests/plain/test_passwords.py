"""Passwords: the rules a new one must meet, and bcrypt kept off the event loop."""

import asyncio
import base64
import hashlib
import os
import sys
import threading
import time

import bcrypt
import pytest
from support import JENNY

from components.forms import COMMON_PASSWORDS, is_common
from components.passwords import Passwords


@pytest.mark.parametrize("password", ["password1", "iloveyou", "PASSWORD", "qwertyuiop", "12345678"])
def test_common_passwords_are_refused(htmx_visitor, outbox, password):
    page = htmx_visitor.sign_up(password=password)
    assert page.status_code == 422
    assert "one of the most common ones" in page.context["errors"]["password"]
    assert outbox.messages() == []


def test_long_passphrases_are_welcome(htmx_visitor):
    page = htmx_visitor.sign_up(password="a river of sand runs under the old stone bridge at dawn, every day")
    assert page.context["step"] == "code"


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


def test_long_passwords_count_in_full(htmx_visitor, new_visitor):
    base = "p" * 80
    htmx_visitor.sign_up(password=base + "A")
    other = new_visitor()
    page = other.sign_up(password=base + "B")  # same first 72 bytes, different password
    assert page.status_code == 422
    assert "waiting for its code" in page.context["errors"]["password"]


def test_the_common_passwords_are_zxcvbns_list():
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # 12 MB of lists: tests only

    assert COMMON_PASSWORDS.strip("\n").split("\n") == FREQUENCY_LISTS["passwords"]
    assert all(is_common(password) for password in FREQUENCY_LISTS["passwords"][::97])
    assert not is_common("a river of sand runs under the old stone bridge")


@pytest.mark.anyio
@pytest.mark.skipif(sys.platform != "linux", reason="per-thread priorities are Linux's")
async def test_bcrypt_runs_behind_the_event_loop(monkeypatch):
    """So a page load is scheduled at once while every core hashes."""
    seen = []
    original = bcrypt.hashpw
    monkeypatch.setattr(
        bcrypt,
        "hashpw",
        lambda *args: seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id())) or original(*args),
    )
    await Passwords(4).hash("a long enough password")
    assert seen == [os.getpriority(os.PRIO_PROCESS, 0) + 10]


COMPOSED, DECOMPOSED = "ﬁne café Ⅻ", "fine cafe\u0301 XII"  # ligature, é in one point or two, a numeral


@pytest.mark.anyio
async def test_a_password_is_the_same_however_its_characters_are_composed():
    passwords = Passwords(4)
    hashed = await passwords.hash(COMPOSED)
    assert await passwords.check(DECOMPOSED, hashed)
    assert not await passwords.check("fine cafe XII", hashed)


@pytest.mark.anyio
async def test_a_hash_made_before_passwords_were_normalised_still_matches():
    old_hash = bcrypt.hashpw(base64.b64encode(hashlib.sha256(COMPOSED.encode()).digest()), bcrypt.gensalt(4)).decode()
    passwords = Passwords(4)
    assert await passwords.check(COMPOSED, old_hash)
    assert not await passwords.check("something else entirely", old_hash)
