"""Rate limits: a burst of N, then one every window/N (never more than 2N - 1 within
one window's length, the rate exact over longer runs), taken atomically, given back,
and forgotten once they no longer matter; a row's cost the same whatever N."""

import asyncio

import pytest

from components.durations import DAY, HOUR
from components.storage.limits import Limit, Limits

pytestmark = pytest.mark.anyio
FIVE_AN_HOUR = Limit("send:number:+12018675309", 5, HOUR)


@pytest.fixture
def limits(db, clock) -> Limits:
    return Limits(db, clock)


async def test_a_limit_lets_its_burst_through_then_one_a_step_across_what_would_be_a_window_edge(limits, clock):
    clock.now = 1_800_003_590.0  # ten seconds before a whole hour
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(5)] == [None] * 5
    clock.advance(20)  # a fixed hourly window would start again here
    assert await limits.take(FIVE_AN_HOUR) == 700  # the next of five an hour: twelve minutes after the burst
    clock.advance(699)
    assert await limits.take(FIVE_AN_HOUR) == 1
    clock.advance(1)
    assert await limits.take(FIVE_AN_HOUR) is None
    assert await limits.take(FIVE_AN_HOUR) == 720  # and the next, a step later


async def test_taking_whenever_it_may_gets_at_most_twice_less_one_in_any_window_and_the_rate_over_a_day(limits, clock):
    taken = []
    for second in range(0, DAY, 60):  # every minute: the step, twelve minutes, is whole minutes
        if await limits.take(FIVE_AN_HOUR) is None:
            taken.append(second)
        clock.advance(60)
    assert 24 * 5 <= len(taken) <= 5 + 24 * 5  # the rate, and the first burst at most
    most_in_an_hour = max(sum(1 for t in taken if start <= t < start + HOUR) for start in taken)
    assert most_in_an_hour == 2 * 5 - 1


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


async def test_events_free_up_a_step_at_a_time(limits, clock):
    for _ in range(5):
        assert await limits.take(FIVE_AN_HOUR) is None
        clock.advance(600)
    # Five events at that pace leave one step of twelve minutes not yet over: four more may go.
    assert [await limits.take(FIVE_AN_HOUR) for _ in range(5)] == [None] * 4 + [600]
    assert [(used, wait) for _, used, wait in await limits.states(FIVE_AN_HOUR)] == [(1.0, 600)]
    clock.advance(HOUR - 720)
    assert [(used, wait) for _, used, wait in await limits.states(FIVE_AN_HOUR)] == [(0.2, 0)]  # a step left


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
    assert await limits.forget_old(batch=10) == 1
    assert await db.fetch_val("SELECT count(*) FROM rate_limits") == 0


async def test_old_rows_go_in_batches_and_a_row_still_counting_stays(limits, db, clock):
    for n in range(7):
        await limits.take(Limit(f"send:number:{n}", 5, HOUR))
    clock.advance(HOUR / 5)  # one step: each row is empty again
    await limits.take(FIVE_AN_HOUR)
    assert [await limits.forget_old(batch=3) for _ in range(4)] == [3, 3, 1, 0]
    assert await limits.take(*[FIVE_AN_HOUR] * 1) is None and await limits.wait(FIVE_AN_HOUR) == 0
    assert await db.fetch_val("SELECT count(*) FROM rate_limits") == 1


async def test_a_window_of_no_time_turns_a_limit_off(limits):
    no_cooldown = Limit("reset:cooldown:someone", 1, 0)
    assert [await limits.take(no_cooldown) for _ in range(3)] == [None] * 3
    assert await limits.wait(no_cooldown) == 0 and await limits.states(no_cooldown) == []


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
    assert await limits.wait(FIVE_AN_HOUR) == 720 - 600  # a step, not the window: one frees at a time
    clock.advance(HOUR)
    assert await limits.wait(FIVE_AN_HOUR) == 0


async def test_a_limit_of_a_million_keeps_one_row_of_three_numbers(limits, db):
    huge = Limit("send:US", 1_000_000, HOUR)
    assert [await limits.take(huge) for _ in range(100)] == [None] * 100
    row = await db.fetch_one("SELECT * FROM rate_limits")
    assert (row["step"], row["span"]) == (3600, HOUR * 1_000_000)  # µs: the same size as a limit of five
    assert [(used, wait) for _, used, wait in await limits.states(huge)] == [(0.0001, 0)]
