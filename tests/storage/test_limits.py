"""Rate limits: at most N in any interval of the window's length, taken
atomically, given back, and forgotten once they no longer matter."""

import asyncio

import pytest

from components.durations import DAY, HOUR
from components.storage.limits import Limit, Limits

pytestmark = pytest.mark.anyio
FIVE_AN_HOUR = Limit("send:number:+12018675309", 5, HOUR)


@pytest.fixture
def limits(db, clock) -> Limits:
    return Limits(db, clock)


async def test_a_limit_holds_across_what_would_be_a_window_edge(limits, clock):
    clock.now = 1_800_003_590.0  # ten seconds before a whole hour
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(5)] == [None] * 5
    clock.advance(20)  # a fixed hourly window would start again here
    assert await limits.take(FIVE_AN_HOUR) == 3580
    clock.advance(3579)
    assert await limits.take(FIVE_AN_HOUR) == 1
    clock.advance(1)
    assert await limits.take(FIVE_AN_HOUR) is None  # the first of the five is an hour old


async def test_a_wait_reads_as_long_as_it_is_with_a_clock_between_seconds(limits, clock):
    once = Limit("reset:cooldown:someone", 1, 30)
    clock.now = 1_800_000_000.3
    assert await limits.take(once) is None
    clock.advance(0.1)
    assert await limits.take(once) == 30  # not 31: the event's time is kept to the millisecond
    assert [(used, wait) for _, used, wait in await limits.states(once)] == [(1.0, 30)]
    clock.now = 1_800_000_030.29
    assert await limits.take(once) == 1  # nor does it free early
    clock.now = 1_800_000_030.3
    assert await limits.take(once) is None


async def test_events_free_up_one_by_one_as_they_age(limits, clock):
    for _ in range(5):
        assert await limits.take(FIVE_AN_HOUR) is None
        clock.advance(600)
    clock.advance(600)  # the first event is exactly an hour old
    assert await limits.take(FIVE_AN_HOUR) is None
    assert await limits.take(FIVE_AN_HOUR) == 600  # the second ages out in ten minutes


async def test_of_racing_requests_only_the_allowed_number_get_through(limits):
    results = await asyncio.gather(*(limits.take(FIVE_AN_HOUR) for _ in range(30)))
    assert results.count(None) == 5


async def test_of_racing_requests_for_two_limits_only_the_allowed_number_get_through_and_the_rest_is_given_back(
    limits,
):
    ten_a_day = Limit("send:number-day:+12018675309", 10, DAY)
    results = await asyncio.gather(*(limits.take(FIVE_AN_HOUR, ten_a_day) for _ in range(30)))
    assert results.count(None) == 5
    assert [await limits.take(ten_a_day) for _ in range(6)].count(None) == 5  # ten in all


async def test_a_take_of_several_limits_is_one_statement_and_a_refusal_three(limits, db, monkeypatch):
    sent = []
    for method in ("execute", "fetch_all", "fetch_one", "fetch_val"):
        original = getattr(db, method)
        monkeypatch.setattr(db, method, lambda *a, _original=original, **k: sent.append(a[0]) or _original(*a, **k))
    full = Limit("send:address:10.0.0.1", 1, HOUR)
    others = [Limit(f"send:{kind}:x", 2, HOUR) for kind in ("range", "country", "number-day")]
    assert await limits.take(FIVE_AN_HOUR, full, *others) is None
    assert len(sent) == 1
    assert await limits.take(FIVE_AN_HOUR, full, *others) == HOUR
    assert len(sent) == 1 + 3  # the take; the four others given back in one; the wait
    assert [await limits.take(limit) for limit in others] == [None] * 3  # each held one event, not two


async def test_a_full_limit_gives_back_what_the_others_took(limits):
    full = Limit("send:address:10.0.0.1", 1, HOUR)
    assert await limits.take(full) is None
    assert await limits.take(FIVE_AN_HOUR, full) == HOUR
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(6)].count(None) == 5


async def test_an_event_given_back_is_gone_and_the_limit_keeps_its_size(limits, clock):
    full = Limit("send:address:10.0.0.1", 1, HOUR)
    assert await limits.take(full) is None
    clock.advance(60)
    assert await limits.take(FIVE_AN_HOUR) is None  # kept
    assert await limits.take(FIVE_AN_HOUR, full) == HOUR - 60  # taken, then given back
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(5)].count(None) == 4
    clock.advance(HOUR)
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(6)].count(None) == 5


async def test_a_changed_setting_starts_a_new_count(limits):
    for _ in range(5):
        await limits.take(FIVE_AN_HOUR)
    assert await limits.take(Limit(FIVE_AN_HOUR.name, 6, HOUR)) is None


async def test_zero_turns_a_limit_off_and_old_rows_are_forgotten(limits, db, clock):
    assert [await limits.take(Limit("off", 0, HOUR)) for _ in range(50)] == [None] * 50
    await limits.take(FIVE_AN_HOUR)
    clock.advance(HOUR + 1)
    await limits.forget_old()
    assert await db.fetch_val("SELECT count(*) FROM rate_limits") == 0


async def test_a_limit_of_one_is_given_back_even_beside_a_limit_that_is_off(limits):
    one = Limit("send:address:10.0.0.1", 1, HOUR)
    assert await limits.take(one) is None
    await limits.give_back(Limit("off", 0, HOUR), one)
    assert await limits.take(one) is None


async def test_the_wait_is_until_a_full_limit_has_room_and_none_for_a_limit_that_is_off(limits, clock):
    assert await limits.wait(Limit("off", 0, HOUR)) == 0
    for _ in range(4):
        await limits.take(FIVE_AN_HOUR)
    assert await limits.wait(FIVE_AN_HOUR) == 0  # one left
    await limits.take(FIVE_AN_HOUR)
    clock.advance(600)
    assert await limits.wait(FIVE_AN_HOUR) == HOUR - 600
    clock.advance(HOUR)
    assert await limits.wait(FIVE_AN_HOUR) == 0
