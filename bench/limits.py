"""What one take of a rate limit costs, by the limit's size (in-process, SQLite or
PostgreSQL): a new key each time (a number's first code) and the same key again and
again (a country's ceiling), with the limit allowing 5, 1,000 or a million.

    .venv/bin/python bench/limits.py                       # SQLite in a temporary file
    .venv/bin/python bench/limits.py --database postgresql://postgres@127.0.0.1:5432/test

Run it from another checkout to compare code: it uses only `Limits(db, clock).take`.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path.cwd()))

from components.storage.database import connected
from components.storage.limits import Limit, Limits

SIZES = (5, 1_000, 1_000_000)


async def takes_per_second(limits: Limits, allowed: int, same_key: bool, seconds: float) -> float:
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        name = "send:US" if same_key else f"send:number:+1202{done:07d}"
        await limits.take(Limit(f"{name}:{allowed}", allowed, 3600))
        done += 1
    return done / seconds


async def measure(url: str, seconds: float) -> None:
    clock = time.time
    async with connected(url) as db:
        limits = Limits(db, clock)
        print("| limit allows | takes/s, a new key each | takes/s, the same key |")
        print("|---:|---:|---:|")
        for allowed in SIZES:
            fresh = await takes_per_second(limits, allowed, False, seconds)
            same = await takes_per_second(limits, allowed, True, seconds)
            print(f"| {allowed:,} | {fresh:,.0f} | {same:,.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    parser.add_argument("--seconds", type=float, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-limits-") as tmp:
        asyncio.run(measure(args.database or f"sqlite:///{tmp}/limits.db", args.seconds))


if __name__ == "__main__":
    main()
