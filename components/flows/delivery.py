"""What happened to a code's text or call, as the code step tells it, and the news
providers bring of every text and call (Twilio's status callbacks, whose signature
the route checks; the console plays a carrier and a phone itself).

Only what a provider reported is shown: a code sent through Verify or Authy,
or through Twilio without a public address for its callbacks, has no
delivery status, and its step reads as it did before.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal, cast, get_args

from components import metrics
from components.providers.interface import Channel, Receipt
from components.services import Services
from components.storage.users import User

log = logging.getLogger(__name__)
FIRST_POLL_SECONDS = 2
LAST_POLL_SECONDS = 30  # the wait doubles up to this
FAILED = {"undelivered", "failed", "canceled"}
DELIVERED = {"delivered", "read"}
# A call's statuses, as the step says them; the rest of Twilio's (queued, initiated) are "calling".
CALL_STATES = {"ringing": "ringing", "in-progress": "answered", "completed": "called"}
UNANSWERED = {"busy", "no-answer", "failed", "canceled"}
FINAL_STATUSES = FAILED | DELIVERED | UNANSWERED | {"completed"}


State = Literal["sending", "delivered", "failed", "calling", "ringing", "answered", "called", "unanswered"]
STATES: tuple[State, ...] = get_args(State)


@dataclass(frozen=True)
class CodeDelivery:
    state: State
    at: float  # when the provider last said something
    final: bool


async def record_code(services: Services, user: User, channel: Channel, receipt: Receipt | None) -> None:
    """A code went out: follow its text's delivery or its call's progress (never keeping
    the code). One whose status will not come is recorded as such, so the step stops
    showing the status of an earlier one."""
    status = receipt.status if receipt and receipt.followed else "untracked"
    sid = receipt.sid if receipt else None
    await services.messages.record_code(user.id, user.phone, sid, status, channel)
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
    return CodeDelivery(_state(found.channel, found.status), found.updated_at, found.final)


def _state(channel: str, status: str) -> State:
    if channel == "call":
        return "unanswered" if status in UNANSWERED else cast(State, CALL_STATES.get(status, "calling"))
    return "failed" if status in FAILED else "delivered" if status in DELIVERED else "sending"


async def poll(services: Services, user: User, wait: int) -> tuple[CodeDelivery | None, int | None]:
    """The delivery now, and how long the page waits before asking again (None: it
    stops, at a final state or once the code has expired)."""
    now = await of_code(services, user)
    expired = (user.code_sent_at or 0) + services.settings.code_ttl_seconds < services.clock()
    if now is None or now.final or expired:
        return now, None
    return now, min(max(wait, 1) * 2, LAST_POLL_SECONDS)


async def status_reported(services: Services, params: dict[str, str]) -> None:
    """Twilio's news of a text or a call (its signature checked): applied unless it is old news."""
    kind = "call" if "CallSid" in params else "text"
    sid = params.get("CallSid") or params.get("MessageSid", "")
    status = params.get("CallStatus") or params.get("MessageStatus", "")
    error_code = params.get("ErrorCode") or None
    changed = await services.messages.report(sid, status, error_code)
    if changed and status in FINAL_STATUSES:
        metrics.DELIVERIES.labels("call" if kind == "call" else "sms", status).inc()
    level = logging.WARNING if status in FAILED | UNANSWERED else logging.INFO
    log.log(level, "%s status: sid=%s status=%s error=%s changed=%s", kind, sid, status, error_code or "-", changed)
