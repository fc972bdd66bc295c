"""Database round trips per step: every statement each step sends, in order.

    .venv/bin/python bench/round_trips.py          # SQLite
    .venv/bin/python bench/round_trips.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Runs every journey once in-process (a test client, the default limits on, the
local verifier and console texts) and prints a Markdown table: the step, how
many statements it sent, and what each was.
"""

import argparse
import asyncio
import json
import re
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from starlette.testclient import TestClient
from support import JENNY, SECRET, Outbox, Visitor, browser

from app import create_app
from components.settings import Settings

NEW_NUMBER = "+447400123456"


def summary(query) -> str:
    """`UPDATE users`, `INSERT INTO rate_limits … ON CONFLICT`: what a statement does, to what."""
    sql = " ".join(str(getattr(query, "text", query)).split())
    verb = sql.split(" ", 1)[0].upper()
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", sql, flags=re.I)
    tail = " … ON CONFLICT" if "ON CONFLICT" in sql.upper() else ""
    return f"{verb} {table.group(1) if table else ''}{tail}".strip()


class Recorder:
    def __init__(self, db):
        self.seen: list[str] = []
        for method in ("fetch_all", "fetch_one", "fetch_val", "execute"):
            original = getattr(db, method)
            setattr(db, method, self._wrap(original))

    def _wrap(self, original):
        async def recorded(query, *args, **kwargs):
            self.seen.append(summary(query))
            return await original(query, *args, **kwargs)

        return recorded

    def take(self) -> list[str]:
        seen, self.seen = self.seen, []
        return seen


def journeys(jenny: Visitor, outbox: Outbox, settle, advance):
    yield "GET / (a new visitor)", jenny.open
    yield "POST /signup", jenny.sign_up
    yield "POST /code (wrong)", lambda: jenny.enter_code("0000000")
    advance(30)
    yield "POST /code/resend", jenny.resend
    yield "POST /code (right: verified)", lambda: jenny.enter_code(outbox.last_code())
    yield "GET / (signed in)", jenny.open
    yield "POST /signout", jenny.sign_out
    yield "POST /signin (a code follows)", jenny.sign_in
    yield "POST /code (right: signed in)", lambda: jenny.enter_code(outbox.last_code())
    yield "POST /account/mobile", lambda: jenny.post("/account/mobile", {"country": "GB", "phone": NEW_NUMBER})
    yield "POST /code (right: current number)", lambda: jenny.enter_code(outbox.last_code())
    yield "POST /code (right: new number)", lambda: jenny.enter_code(outbox.last_code(NEW_NUMBER))
    yield (
        "POST /account/password",
        lambda: jenny.post(
            "/account/password", {"current_password": JENNY["password"], "new_password": "another passphrase here"}
        ),
    )
    yield "POST /signout/everywhere", lambda: jenny.post("/signout/everywhere")
    yield "POST /password/forgot", jenny.request_reset
    settle()
    yield "POST /code (right: reset)", lambda: jenny.enter_code(outbox.last_code(NEW_NUMBER))
    yield "POST /password/new", lambda: jenny.post("/password/new", {"password": "a third passphrase now"})


def run(database_url: str, folder: Path) -> list[tuple[str, list[str]]]:
    clock = [1_800_000_000.0]
    settings = Settings(
        app_secret=SECRET,
        app_env="test",
        database_url=database_url,
        bcrypt_rounds=4,
        sms_outbox=str(folder / "outbox.jsonl"),
    )
    outbox = Outbox(folder / "outbox.jsonl")
    app = create_app(settings, sender=outbox, clock=lambda: clock[0])
    rows = []
    with TestClient(app) as running:
        services = running.app.state.services
        recorder = Recorder(services.users.db)
        jenny = Visitor(browser(running), htmx=True)
        recorder.take()
        settle = lambda: running.portal.call(services.background.idle)  # noqa: E731

        def advance(seconds: float) -> None:
            clock[0] += seconds

        for step, act in journeys(jenny, outbox, settle, advance):
            answer = act()
            expected = 422 if "(wrong)" in step else 399
            assert answer.status_code <= expected, (step, answer.status_code)
            settle()
            rows.append((step, recorder.take()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a server where a database may be created and dropped")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trips-") as tmp:
        if args.postgres:
            import asyncpg

            name = f"trips_{uuid.uuid4().hex[:8]}"

            async def admin(statement: str) -> None:
                connection = await asyncpg.connect(args.postgres)
                await connection.execute(statement)
                await connection.close()

            asyncio.run(admin(f'CREATE DATABASE "{name}"'))
            try:
                rows = run(f"{args.postgres.rsplit('/', 1)[0]}/{name}", Path(tmp))
            finally:
                asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))
        else:
            rows = run(f"sqlite:///{tmp}/app.db", Path(tmp))
    print("| Step | statements | what each is, in order |")
    print("|---|---:|---|")
    for step, statements in rows:
        print(f"| {step} | {len(statements)} | {'; '.join(statements) or '-'} |")
    print(json.dumps({step: len(statements) for step, statements in rows}), file=sys.stderr)


if __name__ == "__main__":
    main()
