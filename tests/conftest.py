"""An app per test (temporary SQLite file, console outbox in tmp, cheap bcrypt)
and visitors that act like people: sign up, read the text, type the code."""

import asyncio
import html
import json
import re
import threading
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from app import create_app
from components.database import connected
from components.services import build_services
from components.settings import Settings
from components.sms import ConsoleSender, Message, SendFailed
from fake_providers import FakeProviders

SECRET = "test-secret-" + "x" * 40
JENNY = {
    "name": "Jenny Tutone",
    "email": "jenny@example.com",
    "password": "correct horse battery staple",
    "country": "US",
    "phone": "(201) 867-5309",
}
JENNY_E164 = "+12018675309"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def words(page) -> str:
    """The page's text as a person reads it (entities decoded)."""
    return html.unescape(page.text)


class Clock:
    """Time the test moves by hand, so expiry and cooldowns need no sleeping."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Phone:
    """The console sender, with switches to make it fail or hang like a real provider can."""

    def __init__(self, outbox: Path):
        self.outbox = outbox
        self.console = ConsoleSender(outbox)
        self.can_call = True
        self.mode = "ok"

    async def send(self, message: Message) -> None:
        if self.mode == "fail":
            raise SendFailed("provider said no")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        await self.console.send(message)

    def messages(self, to: str | None = None) -> list[dict]:
        if not self.outbox.exists():
            return []
        lines = [json.loads(line) for line in self.outbox.read_text().splitlines()]
        return [line for line in lines if to is None or line["to"] == to]

    def last_code(self, to: str = JENNY_E164) -> str:
        texts = [m for m in self.messages(to) if m.get("channel") != "call" and "#" in m["body"]]
        assert texts, f"no code was sent to {to}"
        return texts[-1]["body"].rsplit("#", 1)[1]


class Visitor:
    """One browser: its own cookies, with or without htmx."""

    def __init__(self, client: TestClient, *, htmx: bool):
        self.client = client
        # Uncompressed, so answers keep the template and context tests read (gzip drops them).
        self.client.headers["Accept-Encoding"] = "identity"
        self.htmx = htmx
        self.token = ""
        self.open()

    @property
    def headers(self) -> dict[str, str]:
        return {"HX-Request": "true"} if self.htmx else {}

    def _seen(self, response):
        found = TOKEN.search(response.text)
        if found:
            self.token = found.group(1)
        return response

    def open(self, path: str = "/"):
        return self._seen(self.client.get(path, headers=self.headers))

    def post(self, path: str, data: dict | None = None, *, follow: bool = True):
        response = self.client.post(
            path, data={"csrf_token": self.token, **(data or {})}, headers=self.headers, follow_redirects=False,
        )
        if follow and response.status_code == 303:
            assert response.headers["location"] == "/"
            return self.open()
        return self._seen(response)

    def sign_up(self, **changes):
        return self.post("/signup", {**JENNY, **changes})

    def enter_code(self, code: str):
        return self.post("/code", {"code": code})

    def resend(self, channel: str = "sms"):
        return self.post("/code/resend", {"channel": channel})

    def change_number(self):
        return self.post("/code/change-number")

    def sign_in(self, email: str = JENNY["email"], password: str = JENNY["password"]):
        return self.post("/signin", {"email": email, "password": password})

    def sign_out(self):
        return self.post("/signout")

    def session(self) -> str:
        return self.client.cookies.get("session", "")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        app_secret=SECRET,
        app_env="test",
        database_url=f"sqlite:///{tmp_path}/app.db",
        sms_outbox=str(tmp_path / "outbox.jsonl"),
        bcrypt_rounds=4,
        send_timeout_seconds=0.5,
    )


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture
async def db(settings):
    """A migrated database for tests that call the components directly."""
    async with connected(settings.database_url) as database:
        yield database


@pytest.fixture
async def services(settings, db, phone, clock):
    """The app's services without HTTP, for tests of the flow's rules."""
    async with httpx.AsyncClient() as client:
        yield build_services(settings, db, client, sender=phone, clock=clock)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def phone(settings) -> Phone:
    return Phone(Path(settings.sms_outbox))


@pytest.fixture
def app(settings, phone, clock):
    return create_app(settings, sender=phone, clock=clock)


@pytest.fixture
def server(app):
    """The app with its lifespan running (database connected and migrated)."""
    with TestClient(app) as client:
        yield client


def browser(running: TestClient, address: str = "203.0.113.10") -> TestClient:
    """Another browser (own cookies, own address) on an app whose lifespan `running` holds.
    It shares that client's event loop, as real requests share the server's."""
    client = TestClient(running.app, client=(address, 50000))
    client.portal = running.portal
    return client


@pytest.fixture
def new_visitor(server):
    """Make another browser on the same app."""

    def make(*, htmx: bool = True, address: str = "203.0.113.10") -> Visitor:
        return Visitor(browser(server, address), htmx=htmx)

    return make


@pytest.fixture(params=[True, False], ids=["htmx", "no-js"])
def visitor(request, new_visitor) -> Visitor:
    """The same story runs twice: with htmx fragments and with plain form posts."""
    return new_visitor(htmx=request.param)


@pytest.fixture
def htmx_visitor(new_visitor) -> Visitor:
    return new_visitor(htmx=True)


@pytest.fixture
def plain_visitor(new_visitor) -> Visitor:
    return new_visitor(htmx=False)


@pytest.fixture
def verified(htmx_visitor, phone) -> Visitor:
    htmx_visitor.sign_up()
    htmx_visitor.enter_code(phone.last_code())
    return htmx_visitor



@pytest.fixture(scope="session")
def fake_server():
    """Authy, Twilio Messages and Verify on a free loopback port for the whole session."""
    fake = FakeProviders()
    config = uvicorn.Config(fake.app(), host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        threading.Event().wait(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield fake, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)


@pytest.fixture
def fake(fake_server):
    """The fake providers, fresh for this test; any request off the specs fails it."""
    providers, _ = fake_server
    providers.reset()
    yield providers
    assert providers.violations == []


@pytest.fixture
def provider_settings(settings, fake_server, fake):
    """Settings that point every provider at the fake."""
    _, url = fake_server
    return replace(
        settings,
        authy_api_key=fake.authy_key, authy_api_url=url,
        twilio_account_sid=fake.account_sid, twilio_auth_token=fake.auth_token,
        twilio_verify_service_sid=fake.service_sid, twilio_number="+15005550006",
        twilio_api_url=url, twilio_verify_api_url=url,
        provider_timeout_seconds=0.5, send_timeout_seconds=2.0,
    )
