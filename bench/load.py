"""Load generator: complete signups against a running server.

Each virtual visitor loops: GET the page, sign up (a new email and number each
time), read the code from the console outbox, enter it. htmx requests, as a
browser with JavaScript sends them. Prints flows/s, latency per step and
errors by kind.

    python bench/load.py --url http://127.0.0.1:8000 --outbox var/outbox.jsonl \
        --concurrency 50 --seconds 20

The server needs the console SMS sender, and its per-address and global limits
off (all the load comes from one address): SIGNUPS_PER_ADDRESS_HOUR=0
SENDS_PER_ADDRESS_HOUR=0 SENDS_PER_MINUTE=0.
"""

import argparse
import asyncio
import itertools
import json
import re
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from client import Client, RequestFailed, Response

STEPS = ("page", "signup", "verify")
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


@dataclass
class Tally:
    """What happened in the measured window: steps that began in it, flows and
    errors that ended in it."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {step: [] for step in STEPS})
    errors: Counter = field(default_factory=Counter)
    flows: int = 0
    seconds: float = 0.0
    opens: float = float("inf")  # time.monotonic() at which the window opens (drive() sets it)
    closes: float = float("inf")

    def within(self, moment: float) -> bool:
        return self.opens <= moment <= self.closes

    @property
    def flows_per_second(self) -> float:
        return self.flows / self.seconds if self.seconds else 0.0

    def percentiles(self, step: str) -> tuple[float, float, float]:
        """p50, p95 and p99 in milliseconds."""
        samples = self.latencies[step]
        if len(samples) < 2:
            return (samples[0] * 1000,) * 3 if samples else (float("nan"),) * 3
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


class FlowFailed(Exception):
    """A step answered, but not with what a person would see next."""


class Outbox:
    """The console sender's file, read as it grows: the code sent to each number."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.offset = self.path.stat().st_size if self.path.exists() else 0
        self.codes: dict[str, str] = {}

    def code_for(self, number: str) -> str | None:
        if number not in self.codes:
            self._read_new_lines()
        return self.codes.pop(number, None)

    def _read_new_lines(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as outbox:
            outbox.seek(self.offset)
            chunk = outbox.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.splitlines():
            text = json.loads(line)
            if "#" in text["body"]:  # a code text ends "@host #123456"; the confirmation has none
                self.codes[text["to"]] = text["body"].rsplit("#", 1)[1]


def mobile_number(n: int) -> str:
    """The n-th of eight million valid US numbers (area code 201)."""
    return f"+1201{200 + n // 10_000:03d}{n % 10_000:04d}"


async def _step(tally: Tally, step: str, request) -> Response:
    started = time.monotonic()
    try:
        response = await request
    except RequestFailed as error:
        raise FlowFailed(f"{step}: {error}") from None
    if tally.within(started):
        tally.latencies.setdefault(step, []).append(time.monotonic() - started)
    if response.status_code >= 400:
        raise FlowFailed(f"{step}: HTTP {response.status_code}")
    return response


def _token(response: Response, step: str) -> str:
    found = TOKEN.search(response.text)
    if not found:
        raise FlowFailed(f"{step}: no form on the page")
    return found.group(1)


def signup_flows(outbox_path: str | Path):
    """Complete signups, each with a new email and number: a flow for drive()."""
    outbox, numbers, run = Outbox(outbox_path), itertools.count(), uuid.uuid4().hex[:8]

    async def one_flow(client: Client, tally: Tally) -> None:
        client.cookies.clear()  # a new visitor
        n = next(numbers)
        page = await _step(tally, "page", client.get("/"))
        form = {
            "csrf_token": _token(page, "page"),
            "name": "Load Test",
            "email": f"{run}-{n}@example.com",
            "password": PASSWORD,
            "country": "US",
            "phone": mobile_number(n),
        }
        code_step = await _step(tally, "signup", client.post("/signup", data=form))
        code = outbox.code_for(mobile_number(n))
        if code is None:
            raise FlowFailed("signup: no code in the outbox")
        fields = {"csrf_token": _token(code_step, "signup"), "code": code}
        done = await _step(tally, "verify", client.post("/code", data=fields))
        if "Your account is verified" not in done.text:
            raise FlowFailed("verify: not verified")

    return one_flow


async def page_only(client: Client, tally: Tally) -> None:
    """GET / and nothing else: the page's own ceiling."""
    await _step(tally, "page", client.get("/"))


async def drive(
    url: str,
    flow,
    concurrency: int,
    seconds: float,
    *,
    warm_up: float = 5,
    headers: dict[str, str] | None = None,
    tally: Tally | None = None,
) -> Tally:
    """`concurrency` visitors doing flows back to back. The measured window (`seconds`)
    opens once the warm-up has passed and every visitor has finished a flow: with many
    visitors a flow waits long in the queue, and a window that opened earlier would
    count the queue filling up. Visitors start spread over the warm-up."""
    tally = tally or Tally()
    served = asyncio.Event()
    unserved = set(range(concurrency))

    async def visitor(number: int) -> None:
        await asyncio.sleep(warm_up / 2 * number / concurrency)
        async with Client(url, headers=dict(headers or {})) as client:
            while time.monotonic() < tally.closes:
                try:
                    await flow(client, tally)
                except FlowFailed as failure:
                    if tally.within(time.monotonic()):
                        tally.errors[str(failure)] += 1
                else:
                    if tally.within(time.monotonic()):
                        tally.flows += 1
                unserved.discard(number)
                if not unserved:
                    served.set()

    async def open_window() -> None:
        await asyncio.gather(asyncio.sleep(warm_up), served.wait())
        tally.opens = time.monotonic()
        tally.closes = tally.opens + seconds

    await asyncio.gather(open_window(), *(visitor(number) for number in range(concurrency)))
    tally.seconds = seconds
    return tally


async def probe(url: str, tally: Tally, every: float = 0.1) -> list[float]:
    """GET the page on a connection of its own, one request at a time, through
    drive()'s measured window: what a visitor waits while the load runs
    (event-loop health)."""
    samples = []
    while tally.opens == float("inf"):
        await asyncio.sleep(every)
    async with Client(url, timeout=30) as client:
        while time.monotonic() < tally.closes:
            started = time.perf_counter()
            await client.get("/")
            samples.append(time.perf_counter() - started)
            await asyncio.sleep(every)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--outbox", default="var/outbox.jsonl")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    flows = signup_flows(args.outbox)
    tally = asyncio.run(drive(args.url, flows, args.concurrency, args.seconds, headers={"HX-Request": "true"}))
    print(
        f"{tally.flows} flows in {tally.seconds:.1f} s: {tally.flows_per_second:.1f} flows/s "
        f"at concurrency {args.concurrency}"
    )
    print("step     p50 ms   p95 ms   p99 ms")
    for step in STEPS:
        print(f"{step:<8}" + "".join(f"{value:>9.1f}" for value in tally.percentiles(step)))
    for kind, count in tally.errors.most_common():
        print(f"error {kind}: {count}")


if __name__ == "__main__":
    main()
