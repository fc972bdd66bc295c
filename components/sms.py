"""Sending text messages (and voice calls that read a text), behind one interface."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from starlette.concurrency import run_in_threadpool

from components.verification import RateLimited, Unavailable, Undeliverable


class SendFailed(Exception):
    """The message did not go out: `reason` is for operators (never secret),
    `outcome` is what it means for the visitor."""

    def __init__(self, reason: str, outcome: RateLimited | Undeliverable | Unavailable = Unavailable()):
        super().__init__(reason)
        self.outcome = outcome


@dataclass(frozen=True)
class Message:
    to: str
    body: str
    channel: Literal["sms", "call"] = "sms"


class SmsSender(Protocol):
    can_call: bool

    async def send(self, message: Message) -> None:
        """Deliver the message or raise SendFailed."""


class ConsoleSender:
    """Development stand-in for a phone network: the terminal and a JSON-lines outbox.

    The outbox is the simulated phone, so it holds codes in clear by design;
    never point it at a shared location.
    """

    can_call = True

    def __init__(self, outbox: str | Path):
        self.outbox = Path(outbox)

    async def send(self, message: Message) -> None:
        record = {"to": message.to, "body": message.body, "sent_at": datetime.now(UTC).isoformat()}
        if message.channel == "call":
            record["channel"] = "call"
        try:
            await run_in_threadpool(self._append, json.dumps(record, ensure_ascii=False))
        except OSError as error:
            raise SendFailed(f"console outbox not writable: {error.strerror}") from None
        print(f"\n--- {message.channel.upper()} to {message.to} ---\n{message.body}\n---", flush=True)

    def _append(self, line: str) -> None:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with self.outbox.open("a", encoding="utf-8") as outbox:
            outbox.write(line + "\n")
