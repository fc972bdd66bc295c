"""The development SMS sender: texts and calls go to the terminal and a JSON-lines outbox.

The outbox is the simulated phone, so it holds codes in clear by design;
never point it at a shared location.
"""

import json
from datetime import UTC, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from components.private_files import open_private
from components.providers.interface import Message, SendFailed


class ConsoleSender:
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
        with open_private(self.outbox) as outbox:
            outbox.write(line + "\n")
