"""The development SMS sender: texts and calls go to the terminal and a JSON-lines outbox.

The outbox is the simulated phone, so it holds codes in clear by design;
never point it at a shared location. It plays the carrier too: each text is
reported delivered after a moment, or undelivered (Twilio's error 30003,
unreachable handset) for the numbers it is told cannot receive texts, so the
delivery status shows without any provider account.
"""

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from components.private_files import open_private
from components.providers.interface import Message, Receipt, SendFailed

UNREACHABLE_HANDSET = "30003"


class ConsoleSender:
    can_call = True

    def __init__(self, outbox: str | Path, *, delivery_seconds: float = 2.0, undeliverable: tuple[str, ...] = ()):
        self.outbox = Path(outbox)
        self.delivery_seconds = delivery_seconds
        self.undeliverable = frozenset(undeliverable)

    async def send(self, message: Message) -> Receipt:
        record = {"to": message.to, "body": message.body, "sent_at": datetime.now(UTC).isoformat()}
        if message.channel == "call":
            record["channel"] = "call"
        try:
            await run_in_threadpool(self._append, json.dumps(record, ensure_ascii=False))
        except OSError as error:
            raise SendFailed(f"console outbox not writable: {error.strerror}") from None
        print(f"\n--- {message.channel.upper()} to {message.to} ---\n{message.body}\n---", flush=True)
        if message.channel == "call":
            return Receipt(f"CA{secrets.token_hex(16)}", "queued", self._phone())
        return Receipt(f"SM{secrets.token_hex(16)}", "queued", self._carrier(message.to))

    def _carrier(self, to: str) -> tuple[tuple[float, str, str | None], ...]:
        """What a carrier would report: handed over at once, then delivered or not."""
        final = ("undelivered", UNREACHABLE_HANDSET) if to in self.undeliverable else ("delivered", None)
        return ((0.0, "sent", None), (self.delivery_seconds, *final))

    def _phone(self) -> tuple[tuple[float, str, str | None], ...]:
        """A call: it rings, is answered, and ends once the code was read (any number answers)."""
        seconds = self.delivery_seconds
        return ((0.0, "ringing", None), (seconds, "in-progress", None), (2 * seconds, "completed", None))

    def _append(self, line: str) -> None:
        with open_private(self.outbox) as outbox:
            outbox.write(line + "\n")
