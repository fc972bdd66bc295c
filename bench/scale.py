"""Speed as the data grows: the same journeys on a database seeded with 10 thousand,
100 thousand and a million accounts (bench/seed.py: a year of their history), on
SQLite and PostgreSQL, and what each size costs on disk, in memory and in time.

    .venv/bin/python bench/scale.py                                    # every size, both databases
    .venv/bin/python bench/scale.py --only sqlite --sizes 10000,100000 --seconds 10
    .venv/bin/python bench/scale.py --only postgresql --sizes 1000000 --instances 2

For each database and size: seed it (with --backlog days of rows housekeeping is
owed), time `python app.py migrate` (the newest migration run again: its indexes
built at that size) and `python app.py stats`, start `python app.py` for the whole
run (1 worker, or --instances processes against the one database, the visitors
shared between them) and run each scenario as bench/load.py measures signups (a
window that opens once every visitor has finished a flow):

- **signup**: GET /, POST /signup, the code from the console outbox, POST /code;
- **sign-in**: a seeded account (a new one each flow), POST /signin, POST /code;
- **reset**: POST /password/forgot, POST /code, POST /password/new (seeded accounts);
- **account**: GET / signed in (each visitor signed in once, beforehand);
- **token**: an app's sign-in (GET /authorize, POST /token, POST /userinfo);
- **signup during housekeeping**: signup again, to an instance of its own whose
  housekeeping loop clears the backlog as it starts (the round's time, its
  longest batch and longest hold of SQLite's writer are reported), once, before
  the size's other instance starts: a second process writing to the same SQLite
  file (its outbox claims texts) would put its own holds and SQLite's busy
  sleeps into the figure (bench/README.md).

Every database is seeded first, then measured --rounds times, each scenario on
every size in turn, back and forth (10k, 100k, 1M, then 1M, 100k, 10k): on this
machine two runs of one setting differ by up to 10 %, and the machine drifts over
an hour, so sizes measured minutes apart, or always in the same order, differ by
more than the data makes them. Each figure pools the rounds' windows and samples.

BCRYPT_ROUNDS=4, so the database's share of each flow shows (at 12, bcrypt is 95 %
of it whatever the size); shares are of bcrypt's own rate at 4. Prints Markdown
tables and the machine.
"""

import argparse
import asyncio
import itertools
import math
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
from dataclasses import dataclass, field
from pathlib import Path

from client import Client
from load import FlowFailed, Outbox, Tally, _step, _token, drive, signup_flows
from oidc import app_flows, as_visitors, register
from run import PYTHON, ROOT, SERVER_ERRORS, _admin, app_env, bcrypt_rate, machine_lines, new_database, serving
from seed import SEEDED_PASSWORD, country_of, phone_of, verified_count

from components.durations import DAY

SCENARIOS = {
    "signup": ("page", "signup", "verify"),
    "sign-in": ("page", "signin", "code"),
    "reset": ("page", "forgot", "code", "new password"),
    "account": ("account",),
    "token": ("authorize", "token", "userinfo"),
    "signup during housekeeping": ("page", "signup", "verify"),
}
HOUSEKEPT = re.compile(  # the log line of a round of housekeeping (components/housekeeping.py)
    r"housekeeping: .*; (?P<seconds>[\d.]+) s, longest batch (?P<longest>\d+) ms, "
    r"longest hold of SQLite's writer (?P<held>-|[\d.]+)( ms \((?P<cpu>[\d.]+) ms on a CPU\))?"
)
BACKLOG_SCENARIOS = {"signup during housekeeping"}  # run once, first: its round clears the backlog
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
    """Seconds the command took."""
    started = time.monotonic()
    subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)
    return time.monotonic() - started


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
    signups = signup_flows(folder / "outbox.jsonl")
    return Seeded(
        database_url,
        folder,
        env,
        register(env, folder),
        facts,
        signups,
        scattered(1, verified_count(size)),
        scattered(2, verified_count(size)),
    )


SCATTER = 7_919  # a prime, so no factor shared with the accounts' half: each account comes once a cycle


def scattered(first: int, verified: int) -> Iterator[int]:
    """Every other verified account from `first` (1: the odd ones, 2: the even ones), each once
    a cycle, in an order that puts one flow's account far from the last one's in the table at
    every size, so that a flow finds its account's pages cold, as a real sign-in does. (Taken
    in order, 10 thousand accounts' neighbours shared pages: the small seed's visitors read
    and wrote a few dozen pages where the million's spread over thousands.)"""
    half = verified // 2
    assert math.gcd(SCATTER, half) == 1, f"{verified} verified accounts: pick another SCATTER"
    for turn in itertools.count():
        yield first + 2 * (turn * SCATTER % half)


@dataclass
class Served:
    """A seeded database, its app serving it for the whole run, and each scenario's tallies."""

    seeded: Seeded
    urls: list[str] = field(default_factory=list)
    servers: list = field(default_factory=list)
    tallies: dict[str, list[Tally]] = field(default_factory=dict)  # a tally a round
    flows: dict[str, Callable] | None = None  # a scenario's flow for the visitors of instance n
    housekept: dict | None = None  # the backlog's round: its seconds, longest batch and hold
    logs: str = ""  # the instances' logs, the housekeeping instance's too


def serve(one: Served, args, stack: ExitStack) -> None:
    # No round of housekeeping during the run: that is one scenario of its own (`during_housekeeping`).
    env = {**one.seeded.env, "HOUSEKEEPING_SECONDS": str(DAY)}
    one.servers = [
        stack.enter_context(serving([PYTHON, str(ROOT / "app.py")], env, one.seeded.folder))
        for _ in range(args.instances)
    ]
    one.urls = [server.url for server in one.servers]


async def prepare(one: Served, visitors: int) -> None:
    """The flows of every scenario on this size; the account and token visitors signed in once."""
    seeded, urls = one.seeded, one.urls
    outbox = Outbox(seeded.folder / "outbox.jsonl")
    sessions = await signed_in_sessions(urls[0], outbox, seeded.signins, visitors)
    signins_flow, resets_flow = signin_flows(outbox, seeded.signins), reset_flows(outbox, seeded.resets)
    client = seeded.client
    one.flows = {  # a flow shared by the instances' visitors (their numbers and accounts never meet); sessions split
        "signup": lambda n: seeded.signups,
        "sign-in": lambda n: signins_flow,
        "reset": lambda n: resets_flow,
        "account": lambda n: as_visitors(account_pages, sessions[n :: len(urls)]),
        "token": lambda n: as_visitors(
            app_flows(client["client_id"], client["client_secret"], {}), sessions[n :: len(urls)]
        ),
    }


async def measure(served: list[Served], args) -> None:
    """Round after round, each scenario on every size in turn, back and forth (10k, 100k, 1M,
    then 1M, 100k, 10k): two sizes' figures are taken seconds apart, and a drift of the machine
    in one direction over the run falls on each size alike."""
    for one in served:
        await prepare(one, args.visitors)
    for number in range(args.rounds):
        for name, steps in _chosen(args).items():
            if name in BACKLOG_SCENARIOS:
                continue
            for one in served if number % 2 == 0 else served[::-1]:
                print(f"... round {number + 1}: {name}, {one.seeded.facts['accounts']:,}", file=sys.stderr, flush=True)
                assert one.flows is not None
                tally = await shared(one.urls, one.flows[name], args.visitors, args.seconds, steps)
                one.tallies.setdefault(name, []).append(tally)


async def clear_backlogs(served: list[Served], args) -> None:
    """Each size's backlog scenario, before any other instance serves that database."""
    for name, steps in _chosen(args).items():
        if name in BACKLOG_SCENARIOS:
            for one in served:
                print(f"... {name}, {one.seeded.facts['accounts']:,}", file=sys.stderr, flush=True)
                one.tallies[name] = [await during_housekeeping(one, steps, args)]


async def during_housekeeping(one: Served, steps: tuple[str, ...], args) -> Tally:
    """Signups to an instance of their own whose housekeeping starts at once, as a production
    instance's loop would, and clears the backlog; its log says how long the round took, its
    longest batch and its longest hold of SQLite's writer."""
    seeded = one.seeded
    env = {**seeded.env, "HOUSEKEEPING_SECONDS": "1"}
    with serving([PYTHON, str(ROOT / "app.py")], env, seeded.folder) as server:
        tally = await shared([server.url], lambda n: seeded.signups, args.visitors, args.seconds, steps)
        while not (found := HOUSEKEPT.search(server.log())):
            await asyncio.sleep(1)
    one.logs += server.log()
    one.housekept = {
        "seconds": float(found["seconds"]),
        "longest_ms": float(found["longest"]),
        "held_ms": float("nan") if found["held"] == "-" else float(found["held"]),
        "held_cpu_ms": float(found["cpu"] or "nan"),
    }
    return tally


def result_of(one: Served) -> dict:
    """One size's figures: its rounds' windows, flows and samples pooled."""
    one.logs += "".join(server.log() for server in one.servers)
    housekept = one.housekept or dict.fromkeys(("seconds", "longest_ms", "held_ms", "held_cpu_ms"), float("nan"))
    return {
        **one.seeded.facts,
        **housekept,
        "tallies": {
            name: merged(tallies, SCENARIOS[name], seconds=sum(tally.seconds for tally in tallies))
            for name, tallies in one.tallies.items()
        },
        "rounds": one.tallies,
        "server_errors": Counter(
            {marker: one.logs.count(marker) for marker in SERVER_ERRORS if one.logs.count(marker)}
        ),
        "worker_mib": max(server.peak_worker_kib or server.peak_rss_kib for server in one.servers) / 1024,
        "bytes_after": database_bytes(one.seeded.database_url),
    }


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
        "| stats s | backlog cleared in s (longest batch / hold of SQLite's writer, its CPU, ms) | worker peak MiB "
        "| server log errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for result in results:
        errors = ", ".join(f"{kind}: {count}" for kind, count in result["server_errors"].items()) or "0"
        print(
            f"| {result['database']} | {result['accounts']:,} | {result['seed_s']:.0f} "
            f"| {result['bytes'] / result['accounts']:,.0f} ({result['bytes_after'] / result['accounts']:,.0f}) "
            f"| {result['migrate_s']:.1f} | {result['stats_s']:.1f} | {result['seconds']:.0f} "
            f"({result['longest_ms']:.0f} / {_ms(result['held_ms'])}, {_ms(result['held_cpu_ms'])}) "
            f"| {result['worker_mib']:.0f} | {errors} |"
        )
    print()
    _print_change(results, args)


def _ms(milliseconds: float) -> str:
    return "-" if math.isnan(milliseconds) else f"{milliseconds:.1f}"


def _smallest_and_largest(results: list[dict]) -> Iterator[tuple[dict, dict]]:
    """Per database, its smallest and largest size's results (none if it ran one size)."""
    for kind in dict.fromkeys(result["database"] for result in results):
        mine = [result for result in results if result["database"] == kind]
        if len(mine) > 1:
            yield mine[0], mine[-1]


def _fewer_flows(before: Tally, after: Tally) -> float:
    """How many fewer flows a second after than before (+: worse)."""
    return before.flows_per_second / after.flows_per_second - 1 if after.flows_per_second else float("inf")


def _slower(before: Tally, after: Tally, step: str, cut: int) -> float:
    """How much slower a step's percentile (0: p50, 2: p99) after than before (+: worse)."""
    return after.percentiles(step)[cut] / before.percentiles(step)[cut] - 1


def _print_change(results: list[dict], args) -> None:
    """From the smallest size to the largest, per database: each figure's change (+: worse)."""
    print("| Database | scenario | from → to accounts | flows/s | each step's p50 / p99 |")
    print("|---|---|---|---:|---|")
    for small, large in _smallest_and_largest(results):
        for name, steps in _chosen(args).items():
            before, after = small["tallies"][name], large["tallies"][name]
            cells = "; ".join(
                f"{step} " + " / ".join(f"{_slower(before, after, step, cut):+.0%}" for cut in (0, 2)) for step in steps
            )
            print(
                f"| {small['database']} | {name} | {small['accounts']:,} → {large['accounts']:,} "
                f"| {_fewer_flows(before, after):+.0%} | {cells} |"
            )
    print()
    _print_rounds(results, args)


def _print_rounds(results: list[dict], args) -> None:
    """The same change round by round. A round measures the two sizes seconds apart, so a
    change the data makes shows in every round, and the spread of one size's own rounds
    says how far this machine moves a figure with nothing changed."""
    print(
        "| Database | scenario | flows/s, round by round | each step's p50, round by round "
        "| flows/s, slowest round to fastest, smallest / largest size |"
    )
    print("|---|---|---|---|---|")
    for small, large in _smallest_and_largest(results):
        for name, steps in _chosen(args).items():
            if name in BACKLOG_SCENARIOS:  # measured once: no rounds to compare
                continue
            pairs = list(zip(small["rounds"][name], large["rounds"][name], strict=True))
            flows = ", ".join(f"{_fewer_flows(before, after):+.0%}" for before, after in pairs)
            cells = "; ".join(
                f"{step} " + ", ".join(f"{_slower(before, after, step, 0):+.0%}" for before, after in pairs)
                for step in steps
            )
            spreads = " / ".join(f"{_spread(result['rounds'][name]):.0%}" for result in (small, large))
            print(f"| {small['database']} | {name} | {flows} | {cells} | {spreads} |")


def _spread(rounds: list[Tally]) -> float:
    """From the slowest round's flows a second to the fastest's."""
    rates = [tally.flows_per_second for tally in rounds]
    return max(rates) / min(rates) - 1 if min(rates) else float("inf")


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
        results = []
        for kind in kinds:  # one database's sizes served at once; the other's after
            served = [Served(one) for one in seeded if one.facts["database"] == kind]
            asyncio.run(clear_backlogs(served, args))
            with ExitStack() as running:
                for one in served:
                    serve(one, args, running)
                asyncio.run(measure(served, args))
            results += [result_of(one) for one in served]
    print()
    print_report(results, rate, args)


if __name__ == "__main__":
    main()
