"""A database as a year of use leaves it: N accounts and what they left behind.

    .venv/bin/python bench/seed.py --accounts 1000000                  # DATABASE_URL, as the app reads it
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/big .venv/bin/python bench/seed.py --accounts 100000

The schema is the app's own, brought current by its migrations first; the rows go in
by PostgreSQL's COPY, or on SQLite in batches inside one transaction, so a million
accounts load in minutes. The ratios (per account, in RATIOS) are those of a site a
year old whose housekeeping runs: signups spread evenly over the year, what
housekeeping keeps (live sessions, a week of texts, ninety days of activity, limits
within their windows) spread over how long it is kept, and `--backlog` days of the
rows housekeeping would have removed (texts, sessions, activity, rate limits), for
measuring a purge that fell behind. Every seeded account's password is SEEDED_PASSWORD
(one bcrypt hash at BCRYPT_ROUNDS, shared), its email `seed<n>@example.com`.
"""

import argparse
import asyncio
import hashlib
import math
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.passwords import Passwords  # noqa: E402
from components.settings import load_settings  # noqa: E402
from components.storage import database as schema  # noqa: E402

SEEDED_PASSWORD = "seeded correct horse battery"
DAY = 86400.0
YEAR = 365 * DAY
BATCH = 20_000
# Per account, on average (the module's docstring says what they stand for).
RATIOS = {
    "unverified (signed up in the last day)": 0.005,
    "live sessions": 0.5,  # 40 % of accounts signed in on one browser, 10 % on a second
    "remembered browsers": 0.3,
    "passkeys": 0.2,
    "activity events (90 days)": 3.0,
    "texts and codes (7 days)": 0.3,
    "rate-limit rows (their windows)": 0.15,
    "wrong-password runs": 0.01,
    "apps allowed": 0.3,
    "live app grants (2 tokens each)": 0.2,
}
COUNTRIES = ("US",) * 7 + ("GB", "FR", "ES")  # account n's is COUNTRIES[n % 10]
APPS = ("seed-app-1", "seed-app-2", "seed-app-3")


def verified_count(accounts: int) -> int:
    """Accounts 1 to this one are verified; the rest signed up in the last day and wait for their code."""
    return accounts - round(accounts * RATIOS["unverified (signed up in the last day)"])


def country_of(n: int) -> str:
    return COUNTRIES[n % 10]


def phone_of(n: int, country: str) -> str:
    """A distinct, well-formed mobile number for each account."""
    return {
        "US": f"+1202{2000000 + n % 8_000_000:07d}",  # bench/load.py's signups text +1 201
        "GB": f"+447700{n % 1_000_000:06d}",
        "FR": f"+336{10_000_000 + n % 90_000_000:08d}",
        "ES": f"+346{10_000_000 + n % 90_000_000:08d}",
    }[country]


def _hex(rng: random.Random, length: int) -> str:
    return f"{rng.getrandbits(4 * length):0{length}x}"


class Seeder:
    """Rows for each table, made as the app would make them, a table at a time."""

    def __init__(self, accounts: int, now: float, backlog_days: int, password_hash: str, seed: int = 7):
        self.accounts, self.now, self.backlog = accounts, now, backlog_days * DAY
        self.password_hash = password_hash
        self.rng = random.Random(seed)

    def _some(self, ratio: float) -> Iterator[int]:
        """Account ids, about `ratio` of them (repeats allowed above one each)."""
        for _ in range(round(self.accounts * ratio)):
            yield self.rng.randrange(1, self.accounts + 1)

    def _within(self, seconds: float, backlog: bool = False) -> float:
        return self.now - self.rng.random() * (seconds + (self.backlog if backlog else 0))

    def users(self) -> Iterator[dict]:
        unverified_from = verified_count(self.accounts)
        for n in range(1, self.accounts + 1):
            country = country_of(n)
            verified = n <= unverified_from
            created = self.now - YEAR + (n / self.accounts) * (YEAR - DAY) if verified else self._within(DAY)
            email = f"seed{n}@example.com"
            yield {
                "id": n,
                "email": email,
                "email_folded": email,
                "name": f"Seeded Person {n}",
                "password_hash": self.password_hash,
                "phone": phone_of(n, country),
                "country": country,
                "created_at": created,
                "code_sent_at": created + 1,
                "verified_at": created + 30 if verified else None,
                "code_failures": 0,
                "failed_checks": 0,
                "session_version": 0,
                "challenge": None if verified else "signup",
                "language": self.rng.choice(("en", "en", "en", "es", "fr", "ar")),
                "subject": _hex(self.rng, 32) if n % 10 < 3 else None,  # the accounts apps know
                "passkey_handle": _hex(self.rng, 64) if n % 5 == 0 else None,
            }

    def sessions(self) -> Iterator[dict]:
        for user_id in self._some(RATIOS["live sessions"]):
            signed_in = self._within(7 * DAY, backlog=True)
            yield {
                "token_hash": _hex(self.rng, 64),
                "user_id": user_id,
                "created_at": signed_in,
                "public_id": _hex(self.rng, 24),
                "signed_in_at": signed_in,
                "seen_at": signed_in,
                "device": "Chrome on Android",
                "network": "198.51.100.0/24",
                "method": "pwd sms",
            }

    def remembered_browsers(self) -> Iterator[dict]:
        for user_id in self._some(RATIOS["remembered browsers"]):
            made = self._within(30 * DAY)
            yield {
                "id": _hex(self.rng, 24),
                "user_id": user_id,
                "device": "Safari on iOS",
                "network": "203.0.113.0/24",
                "created_at": made,
                "used_at": made,
                "expires_at": made + 30 * DAY,
            }

    def passkeys(self) -> Iterator[dict]:
        for n in range(5, self.accounts + 1, 5):
            yield {
                "credential_id": _hex(self.rng, 43),
                "user_id": n,
                "public_key": _hex(self.rng, 100),
                "sign_count": 0,
                "backed_up": True,
                "name": "Chrome on Android",
                "created_at": self._within(YEAR),
                "last_used_at": self._within(30 * DAY),
            }

    def activity(self) -> Iterator[dict]:
        kinds = ("signin", "signin", "signin", "password_changed", "passkey_added", "password_refused")
        for user_id in self._some(RATIOS["activity events (90 days)"]):
            yield {
                "user_id": user_id,
                "at": self._within(90 * DAY, backlog=True),
                "kind": self.rng.choice(kinds),
                "device": "Firefox on Windows",
                "network": "192.0.2.0/24",
                "detail": "",
                "count": 1,
            }

    def messages(self) -> Iterator[dict]:
        for user_id in self._some(RATIOS["texts and codes (7 days)"]):
            at = self._within(7 * DAY, backlog=True)
            code = self.rng.random() < 0.7
            yield {
                "user_id": user_id,
                "kind": "code" if code else "text",
                "channel": "sms",
                "to_number": phone_of(user_id, country_of(user_id)),
                "body": None,
                "status": "delivered",
                "rank": 4,
                "provider_sid": "SM" + _hex(self.rng, 32),
                "error_code": None,
                "attempts": 1,
                "next_attempt_at": None,
                "claimed_until": None,
                "created_at": at,
                "updated_at": at + 3,
            }

    def rate_limits(self) -> Iterator[dict]:
        hour = 3600 * 1_000_000
        for user_id in self._some(RATIOS["rate-limit rows (their windows)"]):
            empty_at = round((self._within(0, backlog=True) + self.rng.random() * 3600) * 1_000_000)
            yield {
                "key": f"send:number:{phone_of(user_id, country_of(user_id))}|5/3600#{_hex(self.rng, 6)}",
                "empty_at": empty_at,
                "step": hour // 5,
                "span": hour,
            }

    def password_failures(self) -> Iterator[dict]:
        for _ in self._some(RATIOS["wrong-password runs"]):
            yield {"email_key": _hex(self.rng, 64), "failures": 3, "last_failed_at": self._within(30 * DAY)}

    def oauth_clients(self) -> Iterator[dict]:
        for client_id in APPS:
            yield {
                "client_id": client_id,
                "name": client_id,
                "secret_hash": hashlib.sha256(client_id.encode()).hexdigest(),
                "redirect_uris": '["https://app.example/callback"]',
                "post_logout_redirect_uris": "[]",
                "backchannel_logout_uri": None,
                "first_party": True,
                "id_token_alg": "RS256",
                "created_at": self.now - YEAR,
            }

    def oauth_consents(self) -> Iterator[dict]:
        for n in range(1, self.accounts + 1):
            if n % 10 < 3:
                yield {
                    "user_id": n,
                    "client_id": APPS[n % 3],
                    "scope": "openid phone",
                    "created_at": self._within(YEAR),
                }

    def grants_and_tokens(self) -> tuple[list[dict], list[dict]]:
        grants, tokens = [], []
        for n in range(1, self.accounts + 1):
            if n % 10 < 2:
                at = self._within(30 * DAY)
                grant = _hex(self.rng, 32)
                grants.append(
                    {
                        "id": grant,
                        "client_id": APPS[n % 3],
                        "user_id": n,
                        "scope": "openid phone",
                        "nonce": None,
                        "redirect_uri": "https://app.example/callback",
                        "code_challenge": None,
                        "code_hash": _hex(self.rng, 64),
                        "code_expires_at": at + 60,
                        "code_used": True,
                        "auth_time": at,
                        "amr": "pwd sms",
                        "expires_at": at + 60,
                    }
                )
                for kind, lasts in (("access", 600), ("refresh", 30 * DAY)):
                    tokens.append(
                        {
                            "token_hash": _hex(self.rng, 64),
                            "grant_id": grant,
                            "kind": kind,
                            "expires_at": at + lasts,
                            "used": False,
                        }
                    )
        return grants, tokens


def batches(rows: Iterator[dict], size: int = BATCH) -> Iterator[list[dict]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def tables(seeder: Seeder) -> Iterator[tuple[sa.Table, Iterator[dict]]]:
    """In an order the foreign keys accept."""
    yield schema.users, seeder.users()
    yield schema.sessions, seeder.sessions()
    yield schema.remembered_browsers, seeder.remembered_browsers()
    yield schema.passkeys, seeder.passkeys()
    yield schema.activity, seeder.activity()
    yield schema.messages, seeder.messages()
    yield schema.rate_limits, seeder.rate_limits()
    yield schema.password_failures, seeder.password_failures()
    yield schema.oauth_clients, seeder.oauth_clients()
    yield schema.oauth_consents, seeder.oauth_consents()
    grants, tokens = seeder.grants_and_tokens()
    yield schema.oauth_grants, iter(grants)
    yield schema.oauth_tokens, iter(tokens)


def _columns(table: sa.Table, row: dict) -> list[str]:
    return [column.name for column in table.columns if column.name in row]


def load_sqlite(path: str, seeder: Seeder) -> dict[str, int]:
    counts = {}
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("PRAGMA cache_size=-1000000")  # a GiB of pages while loading: indexes built in memory
    connection.execute("BEGIN")
    for table, rows in tables(seeder):
        counts[table.name] = 0
        for batch in batches(rows):
            names = _columns(table, batch[0])
            statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            connection.executemany(statement, [tuple(row[name] for name in names) for row in batch])
            counts[table.name] += len(batch)
    connection.execute("COMMIT")
    connection.execute("ANALYZE")  # the planner's statistics, as `python app.py migrate` leaves them
    connection.close()
    return counts


async def load_postgres(url: str, seeder: Seeder) -> dict[str, int]:
    import asyncpg

    counts = {}
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        async with connection.transaction():
            for table, rows in tables(seeder):
                counts[table.name] = 0
                for batch in batches(rows):
                    names = _columns(table, batch[0])
                    records = [tuple(row[name] for name in names) for row in batch]
                    await connection.copy_records_to_table(table.name, records=records, columns=names)
                    counts[table.name] += len(batch)
            # Accounts were given their ids: the next signup's comes after them.
            await connection.execute(
                "SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))"
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    return counts


async def migrated(url: str) -> None:
    async with schema.connected(url):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, required=True)
    parser.add_argument("--backlog", type=int, default=0, help="days of rows housekeeping would have removed")
    args = parser.parse_args()
    settings = load_settings()
    url = settings.database_url
    started = time.monotonic()
    asyncio.run(migrated(url))
    password_hash = asyncio.run(Passwords(settings.bcrypt_rounds).hash(SEEDED_PASSWORD))  # as the app hashes
    seeder = Seeder(args.accounts, time.time(), args.backlog, password_hash)
    if url.startswith("sqlite"):
        counts = load_sqlite(sa.engine.make_url(url).database or "", seeder)
    else:
        counts = asyncio.run(load_postgres(url, seeder))
    seconds = time.monotonic() - started
    print(f"seeded {url.split('@')[-1]} in {seconds:.0f} s ({math.fsum(counts.values()):,.0f} rows):")
    for name, count in counts.items():
        print(f"  {name:<22} {count:>12,}")


if __name__ == "__main__":
    main()
