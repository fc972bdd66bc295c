"""Work that must not hold up an answer, kept by the app until it is done.

A password reset answers at once and alike for every email, so the code for a
real account is sent after the answer: the response's timing says nothing.
Stopping the app waits (a while) for what is under way.
"""

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, object], what: str) -> None:
        task = asyncio.create_task(self._run(work, what))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, work: Coroutine[Any, Any, object], what: str) -> None:
        try:
            await work
        except Exception:
            log.exception("background work failed: %s", what)

    async def idle(self, timeout: float = 10.0) -> None:
        """Everything under way is done, and what it started in turn (a text's carrier
        after the outbox sent it); what is left after `timeout` is given up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.tasks:
            _, late = await asyncio.wait(set(self.tasks), timeout=max(0.0, deadline - loop.time()))
            if late:  # the time is up
                for task in late:
                    task.cancel()
                return
