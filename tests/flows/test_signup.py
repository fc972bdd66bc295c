"""Signing up under attack: signups per address (an IPv6 /64 counts as one),
and racing signups of one email make one account."""

import asyncio

import pytest
import sqlalchemy as sa
from support import JENNY, words

from components.flows.results import Failure, Success
from components.flows.signup import sign_up
from components.forms import read_signup
from components.storage.database import users


def test_signups_from_one_address_stop_at_ten_an_hour(open_app, fake):
    visitor = open_app()
    pages = [visitor.sign_up(email=f"p{n}@example.com", phone=f"+1 201 {300 + n} 1234") for n in range(14)]
    assert [page.status_code for page in pages].count(200) == 10
    refused = pages[-1]
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 3600
    assert "Too many signups from your network. Try again in" in words(refused)
    assert 'value="p13@example.com"' in refused.text  # the input stays on screen
    assert fake.count("verify.start") == 10


def test_signups_from_one_ipv6_network_count_as_one_address(open_app, fake):
    pages = [
        open_app(address=f"2001:db8:5:5::{n + 1:x}").sign_up(email=f"v6{n}@example.com", phone=f"+1 201 555 {n:04d}")
        for n in range(12)
    ]
    assert [page.status_code for page in pages] == [200] * 10 + [429] * 2
    assert open_app(address="2001:db8:5:6::1").sign_up(email="next@example.com").status_code == 200


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
