"""The reset under attack: racing requests send one code, and a code sent after
the answer still counts against the address that asked for it."""

import asyncio

import pytest
from support import JENNY

from components.flows.reset import request_reset
from components.flows.signup import sign_up
from components.forms import read_signup


@pytest.mark.anyio
async def test_two_resets_at_once_send_one_code(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    texts = len(outbox.messages())
    results = await asyncio.gather(*(request_reset(services, JENNY["email"], f"10.0.2.{n}") for n in range(2)))
    await services.background.idle()
    assert sorted(type(result).__name__ for result in results) == ["Failure", "Success"]
    assert len(outbox.messages()) == texts + 1


def test_a_reset_code_counts_against_the_address_that_asked_for_it(open_app, fake, delivered, clock):
    """It is sent after the answer has gone, and still spends that address's sends."""
    owner = open_app("local", "console", address="198.51.100.70", sends_per_address_hour=1)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    owner.sign_out()
    asker = open_app("local", "console", address="198.51.100.71", sends_per_address_hour=1)
    asker.request_reset()
    delivered.settle()
    assert len(delivered.bodies()) == 3  # the signup's code, its confirmation, the reset's code
    refused = asker.sign_up(email="second@example.com", phone="+1 415 555 2671")
    assert refused.context["step"] == "code" and delivered.bodies("+14155552671") == []
