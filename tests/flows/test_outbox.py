"""The outbox: texts that are no code go out after the change that caused them."""

import pytest
from support import JENNY, JENNY_E164

from components.flows.outbox import BATCH, deliver_due
from components.flows.signup import sign_up
from components.forms import read_signup


@pytest.mark.anyio
@pytest.mark.parametrize("due", [BATCH * 2, BATCH * 2 + 5])
async def test_one_round_sends_every_due_text_in_batches_and_asks_once_more_only_after_a_full_one(
    services, outbox, monkeypatch, due
):
    """A text written after a round's last claim kicks a sender of its own, so a round that
    claimed less than a batch has nothing left to ask for (one statement less per text)."""
    user = (await sign_up(services, read_signup(JENNY, "US"), "10.0.0.1")).user
    for n in range(due):
        await services.messages.queue(user.id, JENNY_E164, f"Notice {n}")
    claims = []
    original = services.messages.claim
    monkeypatch.setattr(services.messages, "claim", lambda *args: claims.append(1) or original(*args))
    assert await deliver_due(services) == due
    assert sorted(m["body"] for m in outbox.messages(JENNY_E164) if m["body"].startswith("Notice")) == sorted(
        f"Notice {n}" for n in range(due)
    )
    assert len(claims) == due // BATCH + 1
