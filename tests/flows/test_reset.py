"""The reset under attack: racing requests send one code, a code sent after the
answer still counts against the address that asked for it, and whoever knows
the email cannot spend the owner's sign-in codes or lock the owner's checks."""

import asyncio

import pytest
from support import JENNY

from components.flows.reset import request_reset
from components.flows.signup import sign_up
from components.forms import read_signup


@pytest.mark.anyio
async def test_two_resets_at_once_send_one_code_and_answer_alike(services, outbox):
    await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")
    await services.users.finish_challenge(1, "signup", verified_at=1.0)
    texts = len(outbox.messages())
    results = await asyncio.gather(*(request_reset(services, JENNY["email"], f"10.0.2.{n}") for n in range(2)))
    await services.background.idle()
    assert [type(result).__name__ for result in results] == ["Success", "Success"]
    assert len(outbox.messages()) == texts + 1


def test_asking_for_resets_counts_against_the_address_that_asks(open_app, fake, delivered, clock):
    """Asking is counted whether or not a code goes: each ask opens a session that may guess."""
    owner = open_app("local", "console", address="198.51.100.70", sends_per_address_hour=2)
    owner.sign_up()
    owner.enter_code(delivered.last_code())
    owner.sign_out()
    asker = open_app("local", "console", address="198.51.100.71", sends_per_address_hour=2)
    assert [asker.request_reset().status_code for _ in range(3)] == [200, 200, 429]
    delivered.settle()
    assert len(delivered.bodies()) == 3  # the signup's code, its confirmation, one reset code
