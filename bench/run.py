"""The benchmark: complete signup flows against the real server in each set-up,
beside the reference points that say what the numbers could be.

    .venv/bin/pip install -e '.[test]'       # asyncpg, for the PostgreSQL runs
    .venv/bin/python bench/run.py            # every scenario, about 12 minutes
    .venv/bin/python bench/run.py --only sqlite --seconds 10

Each scenario starts `python app.py` on a new database (SQLite file, or a new
PostgreSQL database, dropped afterwards), warms it up, then runs --visitors
visitors doing flows back to back (load.py) while a probe GETs the page ten
times a second. Prints a Markdown table and the machine it ran on.
"""

import argparse
import asyncio
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import asyncpg
import bcrypt
import httpx
import uvicorn
from load import STEPS, Tally, drive, page_only, probe, signup_flows

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CORES = os.cpu_count() or 1
LIMITS_OFF = {  # all the load comes from one address and one number range; the limits are tested, not measured
    "SIGNUPS_PER_ADDRESS_HOUR": "0",
    "SENDS_PER_ADDRESS_HOUR": "0",
    "SENDS_PER_MINUTE": "0",
    "SENDS_PER_PREFIX_HOUR": "0",
    "SENDS_PER_COUNTRY_HOUR": "0",
    "CONVERSION_MIN_PERCENT": "0",
}
SERVER_ERRORS = ("database is locked", "Traceback")


@dataclass(frozen=True)
class Scenario:
    database: str  # sqlite | postgresql
    workers: int
    rounds: int
    visitors: int

    @property
    def name(self) -> str:
        workers = f"{self.workers} worker{'s' if self.workers > 1 else ''}"
        return f"{self.database}, {workers}, bcrypt {self.rounds}, {self.visitors} visitors"


class Server:
    """A process serving HTTP on a port, its log, and its peak memory: each process's own
    (the largest worker's, and with WORKERS > 1 the supervisor's) and all together."""

    def __init__(self, command: list[str], env: dict[str, str], folder: Path, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = folder / f"server-{port}.log"
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.peak_rss_kib = 0
        self.peak_worker_kib = 0
        self.peak_supervisor_kib = 0
        self._sampling = True
        self._sampler = threading.Thread(target=self._sample_memory, daemon=True)

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server stopped:\n{self.log()}")
            try:
                if httpx.get(self.url, timeout=2).status_code == 200:
                    self._sampler.start()
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit(f"server did not start:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self._sampling = False
        self.process.terminate()
        self.process.wait(20)

    def _sample_memory(self) -> None:
        while self._sampling:
            tree = _tree(self.process.pid)
            each = {pid: _rss_kib(pid) for pid in tree}
            self.peak_rss_kib = max(self.peak_rss_kib, sum(each.values()))
            workers = [kib for pid, kib in each.items() if pid != self.process.pid] or [each.get(self.process.pid, 0)]
            self.peak_worker_kib = max(self.peak_worker_kib, *workers)
            if len(tree) > 1:
                self.peak_supervisor_kib = max(self.peak_supervisor_kib, each.get(self.process.pid, 0))
            time.sleep(0.2)


def _tree(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [pid, *(descendant for child in children for descendant in _tree(int(child)))]


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe_socket:
        return probe_socket.getsockname()[1]


@contextmanager
def serving(command: list[str], env: dict[str, str], folder: Path) -> Iterator[Server]:
    port = _free_port()
    server = Server(command, {**env, "PORT": str(port)}, folder, port)
    try:
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


@contextmanager
def new_database(kind: str, folder: Path, server_url: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder}/app.db"
        return
    name = f"bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _admin(server_url: str, statement: str):
    """The first value the statement returns, on a connection of its own."""
    connection = await asyncpg.connect(server_url)
    try:
        return await connection.fetchval(statement)
    finally:
        await connection.close()


def app_env(folder: Path, database_url: str, workers: int, rounds: int) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "APP_SECRET": "bench-" + "s" * 40,
        "APP_ENV": "test",
        "DATABASE_URL": database_url,
        "WORKERS": str(workers),
        "BCRYPT_ROUNDS": str(rounds),
        "SMS_OUTBOX": str(folder / "outbox.jsonl"),
        **LIMITS_OFF,
    }


async def _load_with_probe(url: str, outbox: Path, concurrency: int, seconds: float) -> tuple[Tally, list[float]]:
    tally = Tally()
    flows = drive(url, signup_flows(outbox), concurrency, seconds, headers={"HX-Request": "true"}, tally=tally)
    return await asyncio.gather(flows, probe(url, tally))


def run_scenario(scenario: Scenario, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        with new_database(scenario.database, folder, args.postgres) as database_url:
            env = app_env(folder, database_url, scenario.workers, scenario.rounds)
            with serving([PYTHON, str(ROOT / "app.py")], env, folder) as server:
                tally, probe_samples = asyncio.run(
                    _load_with_probe(server.url, folder / "outbox.jsonl", scenario.visitors, args.seconds)
                )
            log = server.log()
    errors = Counter(tally.errors)
    for marker in SERVER_ERRORS:
        if log.count(marker):
            errors[f"server log: {marker}"] += log.count(marker)
    return {
        "name": scenario.name,
        "tally": tally,
        "probe_p99": _p99(probe_samples),
        "peak_mib": server.peak_rss_kib / 1024,
        "worker_mib": server.peak_worker_kib / 1024,
        "supervisor_mib": server.peak_supervisor_kib / 1024,
        "errors": errors,
        "rounds": scenario.rounds,
    }


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98] * 1000 if len(samples) > 1 else float("nan")


def bcrypt_rate(rounds: int, seconds: float) -> float:
    """Hashes per second with one thread per core (bcrypt releases the GIL): the ceiling for signups."""
    counts = [0] * CORES
    deadline = time.monotonic() + seconds

    def hash_until_deadline(slot: int) -> None:
        while time.monotonic() < deadline:
            bcrypt.hashpw(b"p" * 44, bcrypt.gensalt(rounds))
            counts[slot] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=hash_until_deadline, args=(slot,)) for slot in range(CORES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.monotonic() - started)


ENCODINGS = ("identity", "gzip")


def get_ceiling(args) -> list[dict]:
    """GET / on the app (one worker, SQLite) and on a bare route answering with the same
    bytes (bench/bare.py), each without and with `Accept-Encoding: gzip`."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        folder = Path(tmp)
        env = app_env(folder, f"sqlite:///{folder}/app.db", 1, 12)
        page = folder / "page.html"
        rows = []
        with serving([PYTHON, str(ROOT / "app.py")], env, folder) as server:
            for encoding in ENCODINGS:
                sent = _raw_get(server.url, encoding)
                Path(f"{page}.gz" if encoding == "gzip" else page).write_bytes(sent)
                rows.append(_get_row(args, server, f"GET / on the app, {encoding} ({len(sent):,} bytes)", encoding))
        with serving([PYTHON, str(ROOT / "bench" / "bare.py"), "--page", str(page)], env, folder) as server:
            for encoding in ENCODINGS:
                size = len(_raw_get(server.url, encoding))
                rows.append(
                    _get_row(args, server, f"GET on a bare route, the same bytes, {encoding} ({size:,})", encoding)
                )
    return rows


def _raw_get(url: str, encoding: str) -> bytes:
    """The page's bytes as sent (httpx would decompress them)."""
    with httpx.stream("GET", url, headers={"Accept-Encoding": encoding}) as answer:
        return b"".join(answer.iter_raw())


def _get_row(args, server, name: str, encoding: str) -> dict:
    """GETs of the page alone at --concurrency, for half the scenario's time."""
    tally = asyncio.run(
        drive(server.url, page_only, args.concurrency, args.seconds / 2, headers={"Accept-Encoding": encoding})
    )
    return {"name": name, "tally": tally, "peak_mib": server.peak_rss_kib / 1024}


def machine(args) -> list[str]:
    lines = machine_lines("postgresql" in args.databases and args.postgres)
    lines[2:2] = [
        f"Load: {' and '.join(map(str, args.visitors))} concurrent visitors, {args.seconds:g} s measured per "
        "scenario once every visitor has finished a flow (5 s at least), load generator on the same machine; "
        "GET ceiling at "
        f"{args.concurrency} connections",
        "App: python app.py, APP_ENV=test (production's code paths, with the console sender whose outbox the "
        "benchmark reads codes from), local verifier, rate limits off, BCRYPT_ROUNDS as named",
    ]
    return lines


def machine_lines(postgres: str | bool) -> list[str]:
    """The machine, Python and its servers; PostgreSQL's version when `postgres` names its server."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    lines = [
        f"Machine: {CORES} cores ({cpu}), {platform.system()} {platform.release()}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, uvicorn {uvicorn.__version__} "
        f"({'httptools' if find_spec('httptools') else 'h11'}, {'uvloop' if find_spec('uvloop') else 'asyncio'} loop)",
    ]
    if postgres:
        version = asyncio.run(_admin(str(postgres), "SELECT version()"))
        lines.append(f"PostgreSQL: {version.split(' on ')[0]} on 127.0.0.1")
    return lines


def _print_flows(flows: list[dict], rates: dict[int, float]) -> None:
    steps = " | ".join(f"{step} p50 / p95 / p99 ms" for step in STEPS)
    print(
        f"| Scenario | flows/s | of bcrypt ceiling | {steps} | probe GET p99 ms | errors | "
        "peak memory: worker / supervisor / all |"
    )
    print("|---|---:|---:|" + "---:|" * len(STEPS) + "---:|---|---:|")
    for row in flows:
        tally: Tally = row["tally"]
        cells = " | ".join(" / ".join(f"{value:.0f}" for value in tally.percentiles(step)) for step in STEPS)
        share = tally.flows_per_second / rates[row["rounds"]]
        errors = ", ".join(f"{kind}: {count}" for kind, count in row["errors"].most_common()) or "0"
        supervisor = f"{row['supervisor_mib']:.0f}" if row["supervisor_mib"] else "-"
        print(
            f"| {row['name']} | {tally.flows_per_second:.1f} | {share:.0%} | {cells} | "
            f"{row['probe_p99']:.0f} | {errors} | {row['worker_mib']:.0f} / {supervisor} / {row['peak_mib']:.0f} MiB |"
        )
    print()


def print_report(header: list[str], flows: list[dict], gets: list[dict], rates: dict[int, float]) -> None:
    for line in header:
        print(line)
    print()
    if flows:
        _print_flows(flows, rates)
    print("| Reference | rate | p50 / p95 / p99 ms | errors | peak memory |")
    print("|---|---:|---:|---|---:|")
    for rounds, rate in sorted(rates.items(), reverse=True):
        print(f"| bcrypt cost {rounds}, {CORES} threads, no server | {rate:.1f} hashes/s | | | |")
    for row in gets:
        tally = row["tally"]
        latency = " / ".join(f"{value:.1f}" for value in tally.percentiles("page"))
        errors = sum(tally.errors.values())
        print(
            f"| {row['name']} | {tally.flows_per_second:.0f} requests/s | {latency} | {errors} | "
            f"{row['peak_mib']:.0f} MiB |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=50, help="connections for the GET ceiling")
    parser.add_argument("--visitors", default="50,200", help="concurrent visitors, one scenario each")
    parser.add_argument("--workers", type=int, default=CORES, help="for the several-workers scenarios")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    parser.add_argument("--rounds", default="12,4", help="bcrypt costs, one scenario each")
    parser.add_argument("--gets-only", action="store_true", help="only the GET ceiling: the app and the bare route")
    parser.add_argument(
        "--postgres",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where databases may be created and dropped",
    )
    args = parser.parse_args()
    args.databases = [args.only] if args.only else ["sqlite", "postgresql"]
    args.visitors = [int(count) for count in args.visitors.split(",")]
    args.rounds = [int(cost) for cost in args.rounds.split(",")]
    header = machine(args)
    rates = {rounds: bcrypt_rate(rounds, 10) for rounds in args.rounds}
    scenarios = [
        Scenario(database, workers, rounds, visitors)
        for rounds in args.rounds
        for database in args.databases
        for workers in (1, args.workers)
        for visitors in args.visitors
    ]
    flows = []
    for scenario in [] if args.gets_only else scenarios:
        print(f"... {scenario.name}", file=sys.stderr, flush=True)
        flows.append(run_scenario(scenario, args))
    gets = get_ceiling(args)
    print_report(header, flows, gets, rates)


if __name__ == "__main__":
    main()
