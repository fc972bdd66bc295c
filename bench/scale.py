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
  the backlog (how long that took is reported).

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
from contextlib import ExitStack
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
LONGEST = re.compile(r"longest batch held the database (\d+) ms")  # what `app.py purge` prints
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
    merged = Tally(latencies={step: [] for step in steps}, seconds=seconds)
    for tally in tallies:
        merged.flows += tally.flows
        merged.errors.update(tally.errors)
        for step in steps:
            merged.latencies[step] += tally.latencies[step]
    return merged


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


def run_size(kind: str, size: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        folder = Path(tmp)
        with new_database(kind, folder, args.postgres) as database_url:
            env = {**app_env(folder, database_url, 1, 4), "TOKEN_REQUESTS_PER_CLIENT_MINUTE": "0"}
            result: dict = {"database": kind, "accounts": size}
            result["seed_s"] = timed(
                [PYTHON, str(ROOT / "bench" / "seed.py"), "--accounts", str(size), "--backlog", str(args.backlog)],
                env,
                folder,
            )
            result["bytes"] = database_bytes(database_url)
            result["migrate_s"] = migrate_again(database_url, env, folder)
            result["stats_s"] = timed([PYTHON, str(ROOT / "app.py"), "stats"], env, folder)
            client = register(env, folder)
            result.update(measure(env, folder, client, size, args))
            result["bytes_after"] = database_bytes(database_url)
    return result


def measure(env: dict[str, str], folder: Path, client: dict, size: int, args) -> dict:
    with ExitStack() as stack:
        running = [
            stack.enter_context(serving([PYTHON, str(ROOT / "app.py")], env, folder)) for _ in range(args.instances)
        ]
        tallies, purge = asyncio.run(scenarios([server.url for server in running], folder, env, client, size, args))
    logs = "".join(server.log() for server in running)
    server_errors = Counter(
        {f"server log: {marker}": logs.count(marker) for marker in SERVER_ERRORS if logs.count(marker)}
    )
    return {
        "tallies": tallies,
        "purge_s": purge[0],
        "longest_batch_ms": float(found.group(1)) if (found := LONGEST.search(purge[1])) else float("nan"),
        "server_errors": server_errors,
        "worker_mib": max(server.peak_worker_kib or server.peak_rss_kib for server in running) / 1024,
    }


async def scenarios(
    urls: list[str], folder: Path, env: dict[str, str], client: dict, size: int, args
) -> tuple[dict[str, Tally], tuple[float, str]]:
    outbox = Outbox(folder / "outbox.jsonl")
    # Accounts taken in turn from far apart in the table (cold pages, as real sign-ins are):
    # odd ones sign in, even ones reset (a reset signs the account's browsers out).
    apart = 2 * max(1, size // 20_000)
    signins, resets = itertools.count(1, apart), itertools.count(2, apart)
    sessions = await signed_in_sessions(urls[0], outbox, signins, args.visitors)
    signups, signins_flow, resets_flow = (
        signup_flows(folder / "outbox.jsonl"),
        signin_flows(outbox, signins),
        reset_flows(outbox, resets),
    )
    make = {  # a flow shared by the instances' visitors (their numbers and accounts never meet); sessions split
        "signup": lambda n: signups,
        "sign-in": lambda n: signins_flow,
        "reset": lambda n: resets_flow,
        "account": lambda n: as_visitors(account_pages, sessions[n :: len(urls)]),
        "token": lambda n: as_visitors(
            app_flows(client["client_id"], client["client_secret"], {}), sessions[n :: len(urls)]
        ),
        "signup during housekeeping": lambda n: signups,
    }
    tallies, purge = {}, (float("nan"), "")
    for name, steps in _chosen(args).items():
        print(f"...   {name}", file=sys.stderr, flush=True)
        if name == "signup during housekeeping":
            purging = asyncio.create_task(asyncio.to_thread(_run, [PYTHON, str(ROOT / "app.py"), "purge"], env, folder))
        tallies[name] = await shared(urls, make[name], args.visitors, args.seconds, steps)
        if name == "signup during housekeeping":
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
        f"{args.visitors} visitors, {args.seconds:g} s measured per scenario; seeds of bench/seed.py with "
        f"{args.backlog} days of backlog"
    )
    rate = bcrypt_rate(4, 5)
    results = []
    for kind in kinds:
        for size in (int(size) for size in args.sizes.split(",")):
            print(f"... {kind}, {size:,} accounts", file=sys.stderr, flush=True)
            results.append(run_size(kind, size, args))
    print()
    print_report(results, rate, args)


if __name__ == "__main__":
    main()
