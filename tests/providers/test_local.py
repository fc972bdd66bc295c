"""The local verifier's rules, called directly: codes, hashes, attempts, expiry."""

import re

import pytest
from support import JENNY_E164, SECRET

from components.providers.interface import (
    Approved,
    Expired,
    Sent,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)
from components.providers.local import LocalVerifier
from components.storage.database import pending_codes
from components.storage.users import Users

pytestmark = pytest.mark.anyio


@pytest.fixture
def verifier(db, outbox, clock):
    return LocalVerifier(
        db,
        outbox,
        secret=SECRET,
        app_name="Acme",
        host="acme.test",
        ttl_seconds=600,
        max_attempts=5,
        clock=clock,
    )


@pytest.fixture
async def user(db, clock):
    return await Users(db, clock).create(
        email="a@example.com",
        name="A",
        password_hash="x",
        phone=JENNY_E164,
        country="US",
    )


async def test_codes_are_six_digits_sent_with_the_domain_line(verifier, user, outbox):
    sent = await verifier.start(user, "sms")
    assert isinstance(sent, Sent) and sent.channel == "sms" and sent.receipt.sid.startswith("SM")
    [sms] = outbox.messages()
    assert re.fullmatch(r"Your Acme verification code is (\d{6})\.\n\n@acme\.test #\1", sms["body"])


async def test_a_call_reads_the_code_digit_by_digit(verifier, user, outbox):
    await verifier.start(user, "call")
    [call] = outbox.messages()
    assert call["channel"] == "call"
    assert re.fullmatch(r"Your Acme verification code is (\d, ){5}\d\. Again: (\d, ){5}\d\.", call["body"])


async def test_only_a_keyed_hash_of_the_code_is_stored(verifier, user, outbox, db):
    await verifier.start(user, "sms")
    code = outbox.last_code()
    row = await db.fetch_one(pending_codes.select())
    assert code not in str(dict(row._mapping)) and len(row["code_hash"]) == 64


async def test_a_code_works_once(verifier, user, outbox):
    await verifier.start(user, "sms")
    code = outbox.last_code()
    assert await verifier.check(user, code) == Approved()
    assert await verifier.check(user, code) == Expired()


async def test_a_new_code_kills_the_old_one(verifier, user, outbox):
    await verifier.start(user, "sms")
    old = outbox.last_code()
    await verifier.start(user, "sms")
    new = outbox.last_code()
    if old != new:
        assert isinstance(await verifier.check(user, old), WrongCode)
    assert await verifier.check(user, new) == Approved()


async def test_five_wrong_entries_kill_the_code(verifier, user, outbox):
    await verifier.start(user, "sms")
    code = outbox.last_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    outcomes = [await verifier.check(user, wrong) for _ in range(5)]
    assert outcomes == [WrongCode(4), WrongCode(3), WrongCode(2), WrongCode(1), TooManyAttempts()]
    assert await verifier.check(user, code) == TooManyAttempts()


async def test_a_code_for_another_number_does_not_match(verifier, user, outbox):
    await verifier.start(user, "sms")
    code = outbox.last_code()
    moved = type(user)(**{**user.__dict__, "phone": "+14155552671"})
    assert isinstance(await verifier.check(moved, code), WrongCode)


async def test_expired_codes_are_refused(verifier, user, outbox, clock):
    await verifier.start(user, "sms")
    clock.advance(600)
    assert await verifier.check(user, outbox.last_code()) == Expired()


async def test_a_failed_send_leaves_no_code_behind(verifier, user, outbox, db):
    outbox.mode = "fail"
    assert await verifier.start(user, "sms") == Unavailable()
    assert await db.fetch_all(pending_codes.select()) == []


class TryLandsAfterTheRead:
    """The database as one request sees it while another request's try is counted
    between its read of the code and its write (the race the conditional write closes)."""

    def __init__(self, db, meanwhile):
        self.db, self.meanwhile = db, meanwhile

    async def fetch_one(self, query, *args, **kwargs):
        row = await self.db.fetch_one(query, *args, **kwargs)
        if str(query).startswith("SELECT") and self.meanwhile:
            meanwhile, self.meanwhile = self.meanwhile, None
            await meanwhile()
        return row

    def __getattr__(self, name):
        return getattr(self.db, name)


async def test_a_right_code_read_before_the_last_try_was_spent_elsewhere_does_not_verify(verifier, user, outbox, db):
    await verifier.start(user, "sms")
    code = outbox.last_code()
    spend = pending_codes.update().values(attempts=verifier.max_attempts)
    verifier.db = TryLandsAfterTheRead(db, lambda: db.execute(spend))
    assert not isinstance(await verifier.check(user, code), Approved)


async def test_a_reset_code_lives_apart_from_the_code_the_account_waits_for(verifier, user, outbox):
    await verifier.start(user, "sms")
    awaited = outbox.last_code()
    await verifier.start(user, "sms", "reset")
    reset = outbox.last_code()
    assert "password reset code" in outbox.messages()[-1]["body"]
    assert await verifier.check(user, reset) == WrongCode(5 - 1)  # a reset code is no other code
    assert await verifier.check(user, awaited, "reset") == WrongCode(None)  # nor the other way round
    wrong = "000000" if reset != "000000" else "000001"
    assert [await verifier.check(user, wrong, "reset") for _ in range(20)] == [WrongCode(None)] * 20
    assert await verifier.check(user, reset, "reset") == Approved()  # strangers' guesses did not kill it
    assert await verifier.check(user, reset, "reset") == Expired()  # once
    assert await verifier.check(user, awaited) == Approved()
