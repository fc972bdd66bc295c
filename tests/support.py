"""What the tests share: a test user, a hand-moved clock, an outbox whose sender
can fail, and a visitor that acts like a person in a browser."""

import asyncio
import base64
import html
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from starlette.testclient import TestClient

from components.flows.outbox import deliver_due
from components.providers.console import ConsoleSender
from components.providers.interface import Message, Receipt, SendFailed
from components.settings import Settings

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


def app_settings(folder: Path, database_url: str, **changes) -> Settings:
    """What every test app starts from: its database, an outbox file of its own, quick bcrypt."""
    return Settings(
        app_secret=SECRET,
        app_env="test",
        database_url=database_url,
        sms_outbox=str(folder / "outbox.jsonl"),
        **{"bcrypt_rounds": 4, **changes},
    )


def words(page) -> str:
    """The page's text as a person reads it (entities decoded; a number kept on one line,
    components/phones.on_one_line, reads with plain spaces and hyphens)."""
    return html.unescape(page.text).replace("\u00a0", " ").replace("\u2011", "-")


class Clock:
    """Time the test moves by hand, so expiry and cooldowns need no sleeping."""

    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Following:
    """Reading a phone waits first for what the apps it follows still do after
    answering (the outbox's texts, a reset's code, a carrier's news), as a person
    reads a text once it has arrived."""

    def __init__(self):
        self.apps: list[TestClient] = []

    def follow(self, running: TestClient) -> None:
        self.apps.append(running)

    def settle(self) -> None:
        for running in self.apps:
            running.portal.call(running.app.state.services.background.idle)


class Outbox(Following):
    """The console sender and the outbox it writes, with switches to make sending
    fail or hang as a real provider can."""

    def __init__(self, outbox: Path):
        super().__init__()
        self.outbox = outbox
        # Its carrier reports at once; a test may set `delivery_seconds` or `undeliverable`.
        self.console = ConsoleSender(outbox, delivery_seconds=0)
        self.can_call = True
        self.mode = "ok"

    async def send(self, message: Message) -> Receipt:
        if self.mode == "fail":
            raise SendFailed("provider said no")
        if self.mode == "hang":
            await asyncio.sleep(3600)
        if self.mode == "slow":
            await asyncio.sleep(1.5)
        return await self.console.send(message)

    def messages(self, to: str | None = None) -> list[dict]:
        self.settle()
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
            path,
            data={"csrf_token": self.token, **(data or {})},
            headers=self.headers,
            follow_redirects=False,
        )
        if follow and response.status_code == 303:
            return self.open(response.headers["location"])
        return self._seen(response)

    def sign_up(self, **changes):
        return self.post("/signup", {**JENNY, **changes})

    def enter_code(self, code: str):
        return self.post("/code", {"code": code})

    def resend(self, channel: str = "sms"):
        return self.post("/code/resend", {"channel": channel})

    def different_number(self):
        return self.post("/number/change")

    def set_number(self, phone: str, country: str = "US"):
        return self.post("/number", {"country": country, "phone": phone})

    def sign_in(self, email: str = JENNY["email"], password: str = JENNY["password"]):
        return self.post("/signin", {"email": email, "password": password})

    def sign_out(self):
        return self.post("/signout")

    def request_reset(self, email: str = JENNY["email"]):
        return self.post("/password/forgot", {"email": email})

    def speaks(self, accept_language: str) -> "Visitor":
        """This browser's languages, as its Accept-Language header says them."""
        self.client.headers["Accept-Language"] = accept_language
        return self

    def choose_language(self, code: str, on: str = "/"):
        """A click on the switcher's link, from the page at `on`."""
        return self.client.get(
            f"/language/{code}", headers={"Referer": f"http://testserver{on}"}, follow_redirects=False
        )

    def choose_account_language(self, code: str, on: str = "/"):
        """A click on the switcher of a page with an account: a form posted with its token."""
        return self.client.post(
            "/language",
            data={"csrf_token": self.token, "language": code},
            headers={"Referer": f"http://testserver{on}"},
            follow_redirects=False,
        )

    def session(self) -> str:
        return self.client.cookies.get("session", "")

    def replay(self, name: str, value: str) -> None:
        """This browser now carries someone else's cookie (and not its own of that name)."""
        for cookie in [cookie for cookie in self.client.cookies.jar if cookie.name == name]:
            self.client.cookies.delete(name, domain=cookie.domain)
        self.client.cookies.set(name, value, domain="testserver.local")

    def session_cookie_has(self, key: str) -> bool:
        """What the signed session cookie carries (its payload is readable, not secret)."""
        payload = self.session().split(".")[0]
        return key in json.loads(base64.b64decode(payload + "=" * (-len(payload) % 4)))


@contextmanager
def served(app, what: str, *, lifespan: str = "auto", seconds: float = 30, port: int = 0) -> Iterator[str]:
    """`app` under uvicorn on a loopback port (0: a free one), in a thread: its URL, once it
    serves (or a failure naming `what` after `seconds`)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + seconds
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, f"{what} did not start within {seconds} s"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)


def free_port() -> int:
    """A loopback port nothing listens on now (for an app that must know its address before it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def outbox_round(running: TestClient) -> int:
    """One round of the app's outbox, as its loop runs them: how many texts it tried."""
    services = running.app.state.services
    return running.portal.call(deliver_due, services)


def browser(running: TestClient, address: str = "203.0.113.10") -> TestClient:
    """Another browser (own cookies, own address) on an app whose lifespan `running` holds.
    It shares that client's event loop, as real requests share the server's."""
    client = TestClient(running.app, client=(address, 50000))
    client.portal = running.portal
    return client


class Delivered(Following):
    """Whatever reached a phone: the console outbox or the fake providers' deliveries."""

    def __init__(self, outbox: Path, fake):
        super().__init__()
        self.outbox = outbox
        self.fake = fake

    def bodies(self, to: str = JENNY_E164) -> list[str]:
        self.settle()
        lines = self.outbox.read_text().splitlines() if self.outbox.exists() else []
        console = [json.loads(line)["body"] for line in lines if json.loads(line)["to"] == to]
        return console + [text.body for text in self.fake.sent_to(to)]

    def last_code(self, to: str = JENNY_E164) -> str:
        codes = [
            word
            for body in self.bodies(to)
            for word in body.replace("#", " ").replace(".", " ").split()
            if word.isdigit() and len(word) >= 6
        ]
        assert codes, f"no code reached {to}"
        return codes[-1]
