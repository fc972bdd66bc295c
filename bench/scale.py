"""Speed as the data grows: the same journeys on a database seeded with 10 thousand,
100 thousand and a million accounts (bench/seed.py: a year of their history), on
SQLite and PostgreSQL, and what each size costs on disk, in memory and in time.

    .venv/bin/python bench/scale.py                                    # every size, both databases
    .venv/bin/python bench/scale.py --only sqlite --sizes 10000,100000 --seconds 10
    .venv/bin/python bench/scale.py --only postgresql --sizes 1000000 --instances 2

For each database and size: seed it (with --backlog days of rows housekeeping is
owed), time `python app.py migrate` (the newest migration run again: its indexes
built at that size) and `python app.py stats`, start `python app.py` (1 worker, or
--instances processes against the one database, the visitors shared between them)
and run each scenario as bench/load.py measures signups (a window that opens once
every visitor has finished a flow):

- **signup**: GET /, POST /signup, the code from the console outbox, POST /code;
- **sign-in**: a seeded account (a new one each flow), POST /signin, POST /code;
- **reset**: POST /password/forgot, POST /code, POST /password/new (seeded accounts);
- **account**: GET / signed in (each visitor signed in once, beforehand);
- **token**: an app's sign-in (GET /authorize, POST /token, POST /userinfo);
- **signup during housekeeping**: signup again while `python app.py purge` clears
  the backlog (how long that took is reported; first round only).

Every database is seeded first, then measured --rounds times, the sizes in turn
(10k, 100k, 1M, 10k, ...): on this machine two runs of one setting differ by up
to 10 %, and drift over an hour-long run would otherwise fall on one size. Each
figure pools the rounds' windows and samples.

BCRYPT_ROUNDS=4, so the database's share of each flow shows (at 12, bcrypt is 95 %
of it whatever the size); shares are of bcrypt's own rate at 4. Prints Markdown
tables and the machine.
"""

import argparse
import asyncio
import itertools
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from client import Client
from load import FlowFailed, Outbox, Tally, _step, _token, drive, signup_flows
from oidc import app_flows, as_visitors, register
from run import PYTHON, ROOT, SERVER_ERRORS, _admin, app_env, bcrypt_rate, machine_lines, new_database, serving
from seed import SEEDED_PASSWORD, country_of, phone_of

SCENARIOS = {
    "signup": ("page", "signup", "verify"),
    "sign-in": ("page", "signin", "code"),
    "reset": ("page", "forgot", "code", "new password"),
    "account": ("account",),
    "token": ("authorize", "token", "userinfo"),
    "signup during housekeeping": ("page", "signup", "verify"),
}
LONGEST = re.compile(r"longest batch took (\d+) ms")  # what `app.py purge` prints
BACKLOG_SCENARIOS = {"signup during housekeeping"}  # run once: the first round clears the backlog
HASHING = {"signup", "sign-in", "reset", "signup during housekeeping"}  # flows that run bcrypt
NEWEST_INDEXES = (
    "ix_users_unverified",
    "ix_oauth_tokens_expires_at",
    "ix_passkey_challenges_user_id",
    "ix_oauth_grants_unredeemed",
)


def signin_flows(outbox: Outbox, accounts: itertools.count):
    """A seeded account signs in on a new browser: its password, then the code texted to it."""

    async def one_flow(client: Client, tally: Tally) -> None:
        client.cookies.clear()
        n = next(accounts)
        page = await _step(tally, "page", client.get("/signin"))
        form = {"csrf_token": _token(page, "page"), "email": f"seed{n}@example.com", "password": SEEDED_PASSWORD}
        code_step = await _step(tally, "signin", client.post("/signin", data=form))
        code = await _code(outbox, phone_of(n, country_of(n)), "signin")
        done = await _step(
            tally, "code", client.post("/code", data={"csrf_token": _token(code_step, "signin"), "code": code})
        )
        if "Hi there" not in done.text:
            raise FlowFailed("code: not signed in")

    return one_flow


def reset_flows(outbox: Outbox, accounts: itertools.count):
    """A seeded account's password reset: asked for, the code, a new password (the same again)."""

    async def one_flow(client: Client, tally: Tally) -> None:
        client.cookies.clear()
        n = next(accounts)
        page = await _step(tally, "page", client.get("/password/forgot"))
        asked = await _step(
            tally,
            "forgot",
            client.post("/password/forgot", data={"csrf_token": _token(page, "page"), "email": f"seed{n}@example.com"}),
        )
        code = await _code(outbox, phone_of(n, country_of(n)), "forgot")
        chosen = await _step(
            tally, "code", client.post("/code", data={"csrf_token": _token(asked, "forgot"), "code": code})
        )
        form = {"csrf_token": _token(chosen, "code"), "password": f"{SEEDED_PASSWORD} {n}"}
        done = await _step(tally, "new password", client.post("/password/new", data=form))
        if "Hi there" not in done.text:
            raise FlowFailed("new password: not signed in")

    return one_flow


async def account_pages(client: Client, tally: Tally) -> None:
    page = await _step(tally, "account", client.get("/"))
    if "Hi there" not in page.text:
        raise FlowFailed("account: signed out")


async def _code(outbox: Outbox, number: str, step: str) -> str:
    """The code texted to `number`: a reset's goes out after the answer, so wait a little for it."""
    for _ in range(100):
        code = outbox.code_for(number)
        if code:
            return code
        await asyncio.sleep(0.02)
    raise FlowFailed(f"{step}: no code in the outbox")


async def signed_in_sessions(url: str, outbox: Outbox, accounts: itertools.count, count: int) -> list[dict[str, str]]:
    """`count` seeded accounts signed in (the account and token scenarios' browsers)."""
    sign_in, sessions = signin_flows(outbox, accounts), []
    for _ in range(count):
        async with Client(url, headers={"HX-Request": "true"}) as browser:
            await sign_in(browser, Tally())
            sessions.append(dict(browser.cookies))
    return sessions


async def shared(urls: list[str], make_flow, visitors: int, seconds: float, steps: tuple[str, ...]) -> Tally:
    """The visitors split between the instances, one tally for all."""
    tallies = await asyncio.gather(
        *(
            drive(
                url,
                make_flow(n),
                visitors // len(urls),
                seconds,
                headers={"HX-Request": "true"},
                tally=Tally(latencies={step: [] for step in steps}),
            )
            for n, url in enumerate(urls)
        )
    )
    return merged(tallies, steps, seconds)


def merged(tallies: list[Tally], steps: tuple[str, ...], seconds: float) -> Tally:
    """Tallies as one: side by side (instances: one window) or one after another (rounds)."""
    one = Tally(latencies={step: [] for step in steps}, seconds=seconds)
    for tally in tallies:
        one.flows += tally.flows
        one.errors.update(tally.errors)
        for step in steps:
            one.latencies[step] += tally.latencies[step]
    return one


def timed(command: list[str], env: dict[str, str], folder: Path) -> float:
    return _run(command, env, folder)[0]


def _run(command: list[str], env: dict[str, str], folder: Path) -> tuple[float, str]:
    """Seconds the command took, and what it said."""
    started = time.monotonic()
    done = subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True, text=True)
    return time.monotonic() - started, done.stdout + done.stderr


def _sql(database_url: str, statements: list[str]) -> None:
    if database_url.startswith("sqlite"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
            for statement in statements:
                connection.execute(statement)
    else:
        for statement in statements:
            asyncio.run(_admin(database_url, statement))


def migrate_again(database_url: str, env: dict[str, str], folder: Path) -> float:
    """The newest migration undone (its indexes dropped) and run again: its time at this size."""
    drops = [f"DROP INDEX IF EXISTS {name}" for name in NEWEST_INDEXES]
    _sql(database_url, [*drops, "UPDATE schema_version SET version = version - 1"])
    return timed([PYTHON, str(ROOT / "app.py"), "migrate"], env, folder)


def database_bytes(database_url: str) -> int:
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        return sum(os.path.getsize(f"{path}{tail}") for tail in ("", "-wal") if os.path.exists(f"{path}{tail}"))
    return asyncio.run(_admin(database_url, "SELECT pg_database_size(current_database())"))


@dataclass
class Seeded:
    """A seeded database kept for the whole run, and what each round takes from it."""

    database_url: str
    folder: Path
    env: dict[str, str]
    client: dict
    facts: dict  # the database, its size, and what seeding, migrate and stats cost
    signups: Callable  # one flow for every round: its emails and numbers never repeat
    signins: Iterator[int]  # seeded accounts, odd ones: they sign in
    resets: Iterator[int]  # even ones: they reset (a reset signs the account's browsers out)


def seed_size(kind: str, size: int, args, stack: ExitStack) -> Seeded:
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
    database_url = stack.enter_context(new_database(kind, folder, args.postgres))
    env = {**app_env(folder, database_url, 1, 4), "TOKEN_REQUESTS_PER_CLIENT_MINUTE": "0"}
    facts: dict = {"database": kind, "accounts": size}
    seed = [PYTHON, str(ROOT / "bench" / "seed.py"), "--accounts", str(size), "--backlog", str(args.backlog)]
    facts["seed_s"] = timed(seed, env, folder)
    facts["bytes"] = database_bytes(database_url)
    facts["migrate_s"] = migrate_again(database_url, env, folder)
    facts["stats_s"] = timed([PYTHON, str(ROOT / "app.py"), "stats"], env, folder)
    # Accounts taken in turn from far apart in the table (cold pages, as real sign-ins are).
    apart = 2 * max(1, size // 20_000)
    signups = signup_flows(folder / "outbox.jsonl")
    return Seeded(
        database_url,
        folder,
        env,
        register(env, folder),
        facts,
        signups,
        itertools.cycle(range(1, size + 1, apart)),  # round after round: a small seed comes round again
        itertools.cycle(range(2, size + 1, apart)),
    )


def measure(seeded: Seeded, args, first: bool) -> dict:
    """One round of the scenarios; housekeeping's only in the first (it clears the backlog)."""
    chosen = {name: steps for name, steps in _chosen(args).items() if first or name not in BACKLOG_SCENARIOS}
    with ExitStack() as stack:
        running = [
            stack.enter_context(serving([PYTHON, str(ROOT / "app.py")], seeded.env, seeded.folder))
            for _ in range(args.instances)
        ]
        tallies, purge = asyncio.run(scenarios([server.url for server in running], seeded, chosen, args))
    logs = "".join(server.log() for server in running)
    return {
        "tallies": tallies,
        "purge": purge,
        "server_errors": Counter({marker: logs.count(marker) for marker in SERVER_ERRORS if logs.count(marker)}),
        "worker_mib": max(server.peak_worker_kib or server.peak_rss_kib for server in running) / 1024,
    }


def combine(seeded: Seeded, rounds: list[dict]) -> dict:
    """The rounds of one database as one result: their windows, flows and samples pooled."""
    purge = rounds[0]["purge"]
    names = dict.fromkeys(name for one in rounds for name in one["tallies"])
    return {
        **seeded.facts,
        "rounds": len(rounds),
        "tallies": {
            name: merged(
                [one["tallies"][name] for one in rounds if name in one["tallies"]],
                SCENARIOS[name],
                seconds=sum(one["tallies"][name].seconds for one in rounds if name in one["tallies"]),
            )
            for name in names
        },
        "purge_s": purge[0],
        "longest_batch_ms": float(found.group(1)) if (found := LONGEST.search(purge[1])) else float("nan"),
        "server_errors": sum((one["server_errors"] for one in rounds), Counter()),
        "worker_mib": max(one["worker_mib"] for one in rounds),
        "bytes_after": database_bytes(seeded.database_url),
    }


async def scenarios(
    urls: list[str], seeded: Seeded, chosen: dict[str, tuple[str, ...]], args
) -> tuple[dict[str, Tally], tuple[float, str]]:
    outbox = Outbox(seeded.folder / "outbox.jsonl")
    sessions = await signed_in_sessions(urls[0], outbox, seeded.signins, args.visitors)
    signins_flow, resets_flow = signin_flows(outbox, seeded.signins), reset_flows(outbox, seeded.resets)
    client = seeded.client
    make = {  # a flow shared by the instances' visitors (their numbers and accounts never meet); sessions split
        "signup": lambda n: seeded.signups,
        "sign-in": lambda n: signins_flow,
        "reset": lambda n: resets_flow,
        "account": lambda n: as_visitors(account_pages, sessions[n :: len(urls)]),
        "token": lambda n: as_visitors(
            app_flows(client["client_id"], client["client_secret"], {}), sessions[n :: len(urls)]
        ),
        "signup during housekeeping": lambda n: seeded.signups,
    }
    tallies, purge = {}, (float("nan"), "")
    for name, steps in chosen.items():
        print(f"...   {name}", file=sys.stderr, flush=True)
        if name in BACKLOG_SCENARIOS:
            command = [PYTHON, str(ROOT / "app.py"), "purge"]
            purging = asyncio.create_task(asyncio.to_thread(_run, command, seeded.env, seeded.folder))
        tallies[name] = await shared(urls, make[name], args.visitors, args.seconds, steps)
        if name in BACKLOG_SCENARIOS:
            purge = await purging
    return tallies, purge


def _chosen(args) -> dict[str, tuple[str, ...]]:
    return {name: steps for name, steps in SCENARIOS.items() if name in args.scenarios}


def _cells(tally: Tally, steps: tuple[str, ...]) -> str:
    return "; ".join(f"{step} " + " / ".join(f"{tally.percentiles(step)[n]:.0f}" for n in (0, 2)) for step in steps)


def print_report(results: list[dict], rate: float, args) -> None:
    print("| Database | accounts | scenario | flows/s | of bcrypt (cost 4) | step p50 / p99 ms | errors |")
    print("|---|---:|---|---:|---:|---|---|")
    for result in results:
        for name, steps in _chosen(args).items():
            tally = result["tallies"][name]
            share = f"{tally.flows_per_second / rate:.1%}" if name in HASHING else ""
            errors = ", ".join(f"{kind}: {count}" for kind, count in tally.errors.most_common()) or "0"
            print(
                f"| {result['database']} | {result['accounts']:,} | {name} | {tally.flows_per_second:.1f} | {share} "
                f"| {_cells(tally, steps)} | {errors} |"
            )
    print()
    print(
        "| Database | accounts | seeded in s | bytes an account (after the run) | migrate s (newest migration) "
        "| stats s | purge of the backlog s (longest batch ms) | worker peak MiB | server log errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        errors = ", ".join(f"{kind}: {count}" for kind, count in result["server_errors"].items()) or "0"
        print(
            f"| {result['database']} | {result['accounts']:,} | {result['seed_s']:.0f} "
            f"| {result['bytes'] / result['accounts']:,.0f} ({result['bytes_after'] / result['accounts']:,.0f}) "
            f"| {result['migrate_s']:.1f} | {result['stats_s']:.1f} | {result['purge_s']:.1f} "
            f"({result['longest_batch_ms']:.0f}) "
            f"| {result['worker_mib']:.0f} | {errors} |"
        )
    print()
    _print_change(results, args)


def _print_change(results: list[dict], args) -> None:
    """From the smallest size to the largest, per database: each figure's change (+: worse)."""
    print("| Database | scenario | from → to accounts | flows/s | each step's p50 / p99 |")
    print("|---|---|---|---:|---|")
    for kind in dict.fromkeys(result["database"] for result in results):
        mine = [result for result in results if result["database"] == kind]
        small, large = mine[0], mine[-1]
        if small is large:
            continue
        for name, steps in _chosen(args).items():
            before, after = small["tallies"][name], large["tallies"][name]
            flows = before.flows_per_second / after.flows_per_second - 1 if after.flows_per_second else float("inf")
            cells = "; ".join(
                f"{step} "
                + " / ".join(f"{after.percentiles(step)[n] / before.percentiles(step)[n] - 1:+.0%}" for n in (0, 2))
                for step in steps
            )
            print(f"| {kind} | {name} | {small['accounts']:,} → {large['accounts']:,} | {flows:+.0%} | {cells} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rounds", type=int, default=2, help="each database measured this often, in turn")
    parser.add_argument("--backlog", type=int, default=30, help="days of rows housekeeping is owed, in the seed")
    parser.add_argument("--instances", type=int, default=1, help="app processes against the one database")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="some of: " + ", ".join(SCENARIOS))
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    args.scenarios = args.scenarios.split(",")
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    for line in machine_lines("postgresql" in kinds and args.postgres):
        print(line)
    print(
        f"App: python app.py, APP_ENV=test, {args.instances} instance(s) of 1 worker, BCRYPT_ROUNDS=4, limits off, "
        f"{args.visitors} visitors, {args.seconds:g} s measured per scenario in each of {args.rounds} rounds; "
        "seeds of bench/seed.py with "
        f"{args.backlog} days of backlog"
    )
    rate = bcrypt_rate(4, 5)
    sizes = [int(size) for size in args.sizes.split(",")]
    with ExitStack() as stack:
        seeded = []
        for kind, size in ((kind, size) for kind in kinds for size in sizes):
            print(f"... seeding {kind}, {size:,} accounts", file=sys.stderr, flush=True)
            seeded.append(seed_size(kind, size, args, stack))
        # Sizes in turn, round after round: the machine's drift over the run falls on each alike.
        rounds: list[list[dict]] = [[] for _ in seeded]
        for number in range(args.rounds):
            for done, one in zip(rounds, seeded, strict=True):
                print(f"... round {number + 1}: {one.facts['database']}, {one.facts['accounts']:,}", file=sys.stderr)
                done.append(measure(one, args, first=number == 0))
        results = [combine(one, done) for one, done in zip(seeded, rounds, strict=True)]
    print()
    print_report(results, rate, args)


if __name__ == "__main__":
    main()
