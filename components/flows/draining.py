"""What the outbox's senders share (texts, and logouts owed to apps): what is due is
claimed in leased batches (components/storage/leases.py) and delivered, batch after
batch, until a batch comes back short."""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from components.services import Services

BATCH = 20
T = TypeVar("T")


async def drain(
    claim: Callable[[float], Awaitable[Sequence[T]]], deliver: Callable[[T], Awaitable[None]], services: Services
) -> int:
    """Batches claimed and delivered until what was due is done: how many were tried. A lease
    outlasts one send's deadline, so a live sender never loses its rows to another."""
    lease = services.settings.send_timeout_seconds * 2
    tried = 0
    while True:
        claimed = await claim(lease)
        for each in claimed:
            await deliver(each)
        tried += len(claimed)
        if len(claimed) < BATCH:  # all that was due is claimed; a row written since kicks a sender of its own
            return tried
