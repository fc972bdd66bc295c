"""Delivering the outbox: texts that are no code (a confirmation, a notice),
written in the same transaction as the change that causes them.

Right after a change a sender is started at once (`kick`), and a loop in the
app's lifespan looks again every OUTBOX_POLL_SECONDS: for retries, and for
texts an instance that stopped mid-way left behind (their lease runs out).
A timeout, a 5xx or a 429 is tried again after a wait that doubles, up to
OUTBOX_MAX_ATTEMPTS; a text the provider refuses outright fails at once. Either
way the failure is logged. A code is never here: a code whose send is in
doubt is not sent again unasked (the visitor asks for a new one).
"""

import asyncio
import logging

from components import metrics
from components.flows import backchannel
from components.flows.delivery import follow
from components.flows.draining import BATCH, drain
from components.phones import mask
from components.providers.interface import Message, SendFailed
from components.services import Services
from components.storage.messages import Queued

log = logging.getLogger(__name__)


def kick(services: Services) -> None:
    """Send what is due now, after the answer: texts, and logouts owed to apps."""
    services.background.spawn(deliver_due(services), "outbox")
    services.background.spawn(backchannel.deliver_due(services), "back-channel logouts")


async def deliver_due(services: Services) -> int:
    """Every text due now that this sender could claim; how many it tried."""
    return await drain(
        lambda lease: services.messages.claim(BATCH, lease), lambda queued: _deliver(services, queued), services
    )


async def _deliver(services: Services, queued: Queued) -> None:
    settings = services.settings
    try:
        async with asyncio.timeout(settings.send_timeout_seconds):
            receipt = await services.sender.send(Message(queued.to, queued.body))
    except (SendFailed, TimeoutError) as error:
        reason = str(error) or "timed out"
        may_retry = not isinstance(error, SendFailed) or error.may_retry
        if may_retry and queued.attempts < settings.outbox_max_attempts:
            wait = settings.outbox_retry_seconds * 2 ** (queued.attempts - 1)
            log.warning(
                "text not sent, will retry: message=%s to=%s attempt=%s retry_in=%ss reason=%s",
                queued.id,
                mask(queued.to),
                queued.attempts,
                wait,
                reason,
            )
            await services.messages.retry_at(queued.id, services.clock() + wait)
            metrics.TEXTS.labels("retrying").inc()
        else:
            log.error(
                "text not sent, given up: message=%s to=%s attempts=%s reason=%s",
                queued.id,
                mask(queued.to),
                queued.attempts,
                reason,
            )
            await services.messages.give_up(queued.id)
            metrics.TEXTS.labels("given-up").inc()
        return
    await services.messages.handed_over(queued.id, receipt.sid, receipt.status)
    log.info("text sent: message=%s to=%s", queued.id, mask(queued.to))
    metrics.TEXTS.labels("sent").inc()
    follow(services, receipt)


async def keep_sending(services: Services) -> None:
    """The outbox loop, for as long as the app runs."""
    while True:
        await asyncio.sleep(services.settings.outbox_poll_seconds)
        try:
            await deliver_due(services)
            await backchannel.deliver_due(services)
        except Exception:
            log.exception("outbox round failed")
