"""What happened to a code's text, as the code step tells it, and the news
providers bring of every text (Twilio's status callbacks, whose signature
the route checks; the console plays a carrier itself).

Only what a provider reported is shown: a code sent through Verify or Authy,
or through Twilio without a public address for its callbacks, has no
delivery status, and its step reads as it did before.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal, get_args

from components.providers.interface import Receipt
from components.services import Services
from components.storage.users import User

log = logging.getLogger(__name__)
FIRST_POLL_SECONDS = 2
LAST_POLL_SECONDS = 30  # the wait doubles up to this
FAILED = {"undelivered", "failed", "canceled"}
DELIVERED = {"delivered", "read"}


State = Literal["sending", "delivered", "failed"]
STATES: tuple[State, ...] = get_args(State)


@dataclass(frozen=True)
class CodeDelivery:
    state: State
    at: float  # when the provider last said something
    final: bool


async def record_code(services: Services, user: User, receipt: Receipt | None) -> None:
    """A code went out: follow its text's delivery (never keeping the code). A call,
    or a text whose status will not come, is recorded as such, so the step stops
    showing the status of an earlier text."""
    status = receipt.status if receipt and receipt.followed else "untracked"
    await services.messages.record_code(user.id, user.phone, receipt.sid if receipt else None, status)
    if receipt and receipt.followed:
        follow(services, receipt)


def follow(services: Services, receipt: Receipt) -> None:
    """The statuses a simulated carrier promised, reported when it said."""
    if receipt.later:
        services.background.spawn(_carrier(services, receipt), f"carrier for {receipt.sid}")


async def _carrier(services: Services, receipt: Receipt) -> None:
    waited = 0.0
    for after, status, error_code in receipt.later:
        await asyncio.sleep(max(0.0, after - waited))
        waited = after
        await services.messages.report(receipt.sid, status, error_code)


async def of_code(services: Services, user: User) -> CodeDelivery | None:
    """The delivery of the latest code's text to this number, if a provider reports it."""
    found = await services.messages.latest_code(user.id, user.phone)
    if found is None or found.status == "untracked":
        return None
    state: State = "failed" if found.status in FAILED else "delivered" if found.status in DELIVERED else "sending"
    return CodeDelivery(state, found.updated_at, found.final)


async def poll(services: Services, user: User, wait: int) -> tuple[CodeDelivery | None, int | None]:
    """The delivery now, and how long the page waits before asking again (None: it
    stops, at a final state or once the code has expired)."""
    now = await of_code(services, user)
    expired = (user.code_sent_at or 0) + services.settings.code_ttl_seconds < services.clock()
    if now is None or now.final or expired:
        return now, None
    return now, min(max(wait, 1) * 2, LAST_POLL_SECONDS)


async def status_reported(services: Services, params: dict[str, str]) -> None:
    """Twilio's news of a text (its signature checked): applied unless it is old news."""
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "")
    error_code = params.get("ErrorCode") or None
    changed = await services.messages.report(sid, status, error_code)
    level = logging.WARNING if status in FAILED else logging.INFO
    log.log(level, "text status: sid=%s status=%s error=%s changed=%s", sid, status, error_code or "-", changed)
