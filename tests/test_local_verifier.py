"""The local verifier's rules, called directly: codes, hashes, attempts, expiry."""

import re

import pytest
from support import JENNY_E164, SECRET

from components.database import pending_codes
from components.local_verifier import LocalVerifier
from components.users import Users
from components.verification import (
    Approved,
    Expired,
    Sent,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def verifier(db, phone, clock):
    return LocalVerifier(
        db, phone, secret=SECRET, app_name="Acme", host="acme.test", ttl_seconds=600, max_attempts=5, clock=clock,
    )


@pytest.fixture
async def user(db, clock):
    return await Users(db, clock).create(
        email="a@example.com", name="A", password_hash="x", phone=JENNY_E164, country="US",
    )


async def test_codes_are_six_digits_sent_with_the_domain_line(verifier, user, phone):
    assert await verifier.start(user, "sms") == Sent("sms")
    [sms] = phone.messages()
    assert re.fullmatch(r"Your Acme verification code is (\d{6})\.\n\n@acme\.test #\1", sms["body"])


async def test_a_call_reads_the_code_digit_by_digit(verifier, user, phone):
    await verifier.start(user, "call")
    [call] = phone.messages()
    assert call["channel"] == "call"
    assert re.fullmatch(r"Your Acme verification code is (\d, ){5}\d\. Again: (\d, ){5}\d\.", call["body"])


async def test_only_a_keyed_hash_of_the_code_is_stored(verifier, user, phone, db):
    await verifier.start(user, "sms")
    code = phone.last_code()
    row = await db.fetch_one(pending_codes.select())
    assert code not in str(dict(row._mapping)) and len(row["code_hash"]) == 64


async def test_a_code_works_once(verifier, user, phone):
    await verifier.start(user, "sms")
    code = phone.last_code()
    assert await verifier.check(user, code) == Approved()
    assert await verifier.check(user, code) == Expired()


async def test_a_new_code_kills_the_old_one(verifier, user, phone):
    await verifier.start(user, "sms")
    old = phone.last_code()
    await verifier.start(user, "sms")
    new = phone.last_code()
    if old != new:
        assert isinstance(await verifier.check(user, old), WrongCode)
    assert await verifier.check(user, new) == Approved()


async def test_five_wrong_entries_kill_the_code(verifier, user, phone):
    await verifier.start(user, "sms")
    code = phone.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    outcomes = [await verifier.check(user, wrong) for _ in range(5)]
    assert outcomes == [WrongCode(4), WrongCode(3), WrongCode(2), WrongCode(1), TooManyAttempts()]
    assert await verifier.check(user, code) == TooManyAttempts()


async def test_a_code_for_another_number_does_not_match(verifier, user, phone):
    await verifier.start(user, "sms")
    code = phone.last_code()
    moved = type(user)(**{**user.__dict__, "phone": "+14155552671"})
    assert isinstance(await verifier.check(moved, code), WrongCode)


async def test_expired_codes_are_refused(verifier, user, phone, clock):
    await verifier.start(user, "sms")
    clock.advance(600)
    assert await verifier.check(user, phone.last_code()) == Expired()


async def test_a_failed_send_leaves_no_code_behind(verifier, user, phone, db):
    phone.mode = "fail"
    assert await verifier.start(user, "sms") == Unavailable()
    assert await db.fetch_all(pending_codes.select()) == []
