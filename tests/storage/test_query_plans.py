"""No statement the app sends scans a table that grows with accounts or time: every
journey (and the token endpoint, and a housekeeping round) run against a seeded
database, and each statement it sent asked for its plan there (SQLite's `EXPLAIN QUERY
PLAN`; PostgreSQL's `EXPLAIN`, with sequential scans discouraged: on the test's few
thousand rows its planner would read a table whole that an index could serve, so a
scan still in the plan is one that no index can serve)."""

import asyncio
import json
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from oidc.relying_party import ISSUER, RelyingParty, go, left_for, register
from support import JENNY, Visitor, browser

from components.housekeeping import tidy
from components.storage.clients import Registration
from components.storage.database import connected, metadata
from components.storage.prepared import Bound, dialect_module

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from seed import Seeder, load_postgres, load_sqlite

ACCOUNTS = 20_000
# Tables whose size does not grow with accounts or time: a scan of them is no cost.
FIXED = {"schema_version", "oauth_clients", "signing_keys", "send_pauses"}
GROWING = set(metadata.tables) - FIXED
NEW_NUMBER = "+447400123456"


@pytest.fixture
def database_url(database_url, clock):
    """The test's own database, seeded as a site's would be after a year."""
    asyncio.run(_seeded(database_url, clock.now))
    return database_url


async def _seeded(url: str, now: float) -> None:
    async with connected(url):
        pass
    seeder = Seeder(ACCOUNTS, now, backlog_days=30, password_hash="x")
    if url.startswith("sqlite"):
        await asyncio.to_thread(load_sqlite, sa.engine.make_url(url).database, seeder)
    else:
        await load_postgres(url, seeder)


@pytest.fixture
def settings(settings):
    return replace(settings, public_url=ISSUER)


@pytest.fixture(autouse=True)
def relying_party_clock(monkeypatch, clock):
    monkeypatch.setattr("joserfc._rfc7519.claims.time", SimpleNamespace(time=clock))


class Recorder:
    """Every statement sent, once per distinct text, with the values of its first sending."""

    def __init__(self, db):
        self.db = db
        self.seen: dict[str, sa.ClauseElement] = {}
        for method in ("fetch_all", "fetch_one", "fetch_val", "execute", "changed"):
            setattr(db, method, self._wrap(getattr(db, method)))

    def _wrap(self, original):
        async def recorded(query, *args, **kwargs):
            statement = _with_values(query, self.db.url.dialect)
            if statement is not None:
                self.seen.setdefault(str(statement.compile(dialect=_dialect(self.db))), statement)
            return await original(query, *args, **kwargs)

        return recorded


def _dialect(db) -> sa.engine.Dialect:
    return dialect_module(db.url.dialect).dialect()


def _with_values(query, dialect: str) -> sa.ClauseElement | None:
    if isinstance(query, Bound):
        values = query.values

        def valued(element):
            if isinstance(element, sa.BindParameter) and element.key in values:
                return element._with_value(values[element.key], maintain_key=True, required=False)
            return None

        return sa.sql.visitors.replacement_traverse(query.prepared.built(dialect), {}, valued)
    if isinstance(query, sa.sql.ClauseElement) and not isinstance(query, sa.TextClause | sa.schema.DDLElement):
        return query
    return None  # text: a lock, a pragma, a count in a command, never a request's


def _journeys(server, outbox, settle, clock) -> None:
    jenny = Visitor(browser(server), htmx=True)
    jenny.open()
    jenny.sign_up()
    jenny.enter_code("0000000")
    clock.advance(30)
    jenny.resend()
    jenny.enter_code(outbox.last_code())
    for page in ("/", "/account/devices", "/account/activity", "/account/passkeys"):
        jenny.open(page)
    jenny.sign_out()
    jenny.sign_in()
    jenny.enter_code(outbox.last_code())
    client, secret = register(server, Registration(name="Prints", redirect_uris=("https://prints.example/cb",)))
    prints = RelyingParty(
        server, client.client_id, secret, redirect_uri="https://prints.example/cb", scope="openid phone offline_access"
    )
    go(jenny, prints.start())
    jenny.client.post("/authorize/consent", data={"csrf_token": jenny.token, "decision": "allow"})
    tokens = prints.finish(left_for(go(jenny, prints.start())))
    server.post("/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    assert server.post("/token", data=refresh, auth=(client.client_id, secret)).status_code == 200
    jenny.post("/account/mobile", {"country": "GB", "phone": NEW_NUMBER})
    jenny.enter_code(outbox.last_code())
    jenny.enter_code(outbox.last_code(NEW_NUMBER))
    jenny.post("/account/password", {"current_password": JENNY["password"], "new_password": "another passphrase"})
    jenny.post("/signout/everywhere")
    jenny.request_reset()
    settle()
    jenny.enter_code(outbox.last_code(NEW_NUMBER))
    jenny.post("/password/new", {"password": "a third passphrase now"})
    Visitor(browser(server, "198.51.100.9"), htmx=False).sign_in(password="a wrong one")
    settle()


async def _scans(db, statement: sa.ClauseElement) -> list[str]:
    """The growing tables the statement's plan reads whole."""
    with warnings.catch_warnings():  # a value of None reads "= NULL": the plan is the same
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        sql = str(statement.compile(dialect=_dialect(db), compile_kwargs={"literal_binds": True}))
    if db.url.dialect == "sqlite":
        plan = [row[3] for row in await db.fetch_all(sa.text(f"EXPLAIN QUERY PLAN {sql}"))]
        return [detail for detail in plan if detail.startswith("SCAN ") and detail.split()[1] in GROWING]
    async with db.transaction():  # PostgreSQL reads a few thousand rows whole where it could use an index:
        await db.execute(sa.text("SET LOCAL enable_seqscan = off"))  # a scan left then has no index to use
        plan = json.loads((await db.fetch_all(sa.text(f"EXPLAIN (FORMAT JSON) {sql}")))[0][0])
    return [f"Seq Scan on {node}" for node in _seq_scans(plan[0]["Plan"]) if node in GROWING]


def _seq_scans(node: dict) -> list[str]:
    found = [node["Relation Name"]] if node["Node Type"] == "Seq Scan" else []
    return found + [name for child in node.get("Plans", []) for name in _seq_scans(child)]


def test_no_statement_of_any_journey_or_housekeeping_reads_a_growing_table_whole(server, outbox, settle, clock):
    services = server.app.state.services
    recorder = Recorder(services.users.db)
    _journeys(server, outbox, settle, clock)
    clock.advance(31 * 86400)
    server.portal.call(tidy, services)
    assert len(recorder.seen) > 80  # every journey's statements, not a few
    scans = {
        sql.split("\n")[0][:100]: found
        for sql, statement in recorder.seen.items()
        if (found := server.portal.call(_scans, services.users.db, statement))
    }
    assert scans == {}, "\n".join(f"{sql}: {found}" for sql, found in scans.items())
