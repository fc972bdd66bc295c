"""The outbox and the statuses of texts: each due text claimed by one sender
(two instances on one database included), a dead sender's texts due again
once its lease runs out, and statuses that only move forward."""

import asyncio

import pytest

from components.storage.database import connected, transaction
from components.storage.messages import Messages

pytestmark = pytest.mark.anyio
NUMBER = "+12018675309"


@pytest.fixture
def texts(db, clock) -> Messages:
    return Messages(db, clock)


async def test_two_instances_claiming_at_once_take_each_text_once(texts, settings, clock):
    for n in range(30):
        await texts.queue(None, NUMBER, f"notice {n}")
    async with connected(settings.database_url) as other_db:
        other = Messages(other_db, clock)
        claims = await asyncio.gather(*(claimer.claim(4, 60) for _ in range(5) for claimer in (texts, other)))
    taken = [queued.body for claim in claims for queued in claim]
    assert len(taken) == len(set(taken)) == 30


async def test_a_claimed_text_is_due_again_only_once_its_lease_runs_out(texts, clock):
    await texts.queue(None, NUMBER, "notice")
    [first] = await texts.claim(10, lease_seconds=60)
    clock.advance(59)
    assert await texts.claim(10, 60) == []  # its sender may still be sending it
    clock.advance(2)
    [again] = await texts.claim(10, 60)  # that sender died
    assert again.id == first.id and again.attempts == 2


async def test_a_text_handed_over_is_never_claimed_again_and_its_body_is_gone(texts, db, clock):
    await texts.queue(None, NUMBER, "notice")
    [queued] = await texts.claim(10, 60)
    await texts.handed_over(queued.id, "SM1", "queued")
    clock.advance(3600)
    assert await texts.claim(10, 60) == []
    assert await db.fetch_val("SELECT body FROM messages") is None


async def test_statuses_only_move_forward(texts):
    await texts.record_code(None, NUMBER, "SM1", "queued")
    assert await texts.report("SM1", "sent", None)
    assert await texts.report("SM1", "undelivered", "30003")
    assert not await texts.report("SM1", "sent", None)  # late
    assert not await texts.report("SM1", "delivered", None)  # another final state does not replace the first
    assert not await texts.report("SM1", "undelivered", "30003")  # twice
    assert not await texts.report("SM2", "delivered", None)  # not ours
    assert not await texts.report("SM1", "made-up", None)


async def test_a_text_and_the_change_that_causes_it_stand_or_fall_together(texts, db):
    with pytest.raises(RuntimeError):
        async with transaction(db):
            await texts.queue(None, NUMBER, "notice")
            raise RuntimeError("the change failed")
    assert await texts.claim(10, 60) == []
    async with transaction(db):
        await texts.queue(None, NUMBER, "notice")
    assert len(await texts.claim(10, 60)) == 1
