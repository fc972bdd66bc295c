"""Two app processes on one database, as behind a load balancer: any instance
serves any step of a signup, and limits, tries and emails hold across both.
(PostgreSQL with TEST_DATABASE_URL; otherwise two processes on one SQLite file.)"""

import asyncio
import itertools
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fresh_db import fresh_database
from prometheus_client.parser import text_string_to_metric_families
from providers.fake import Fault
from support import JENNY, SECRET, TOKEN, Outbox, Visitor, words

from components.storage.database import connected, users

ROOT = Path(__file__).resolve().parents[2]
APP_PY = (sys.executable, [sys.executable, str(ROOT / "app.py")])


class Instance:
    """An app process of its own, as an operator would start it."""

    def __init__(self, folder: Path, env: dict[str, str], command: list[str], *, url: str, pass_fds=()):
        self.url = url
        self.log = folder / f"instance-{url.rsplit(':', 1)[1]}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=folder,
                env=env,
                pass_fds=pass_fds,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @classmethod
    def uvicorn(cls, folder: Path, env: dict[str, str]) -> "Instance":
        """`uvicorn app:app` on a socket bound here, so no port can be taken in between."""
        listener = socket.create_server(("127.0.0.1", 0))
        fd = listener.fileno()
        instance = cls(
            folder,
            env,
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app:app",
                "--app-dir",
                str(ROOT),
                "--fd",
                str(fd),
                "--no-proxy-headers",
                "--log-level",
                "warning",
            ],
            url=f"http://127.0.0.1:{listener.getsockname()[1]}",
            pass_fds=(fd,),
        )
        listener.close()  # the process holds its own copy
        return instance

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"instance stopped:\n{self.log.read_text()}"
            try:
                if httpx.get(self.url, timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError(f"instance did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@contextmanager
def running(folder: Path, env: dict[str, str], count: int) -> Iterator[list[Instance]]:
    """`count` instances started at once (so their migrations race too)."""
    with ExitStack() as stack:
        started = [Instance.uvicorn(folder, env) for _ in range(count)]
        for instance in started:
            stack.callback(instance.stop)
        for instance in started:
            instance.wait_until_serving()
        yield started


class Cluster:
    def __init__(self, instances: list[Instance], database_url: str, outbox: Outbox):
        self.urls = [instance.url for instance in instances]
        self.database_url = database_url
        self.outbox = outbox
        self.clients: list[httpx.Client] = []

    def visitor(self, address: str) -> tuple[Visitor, list[str]]:
        """A browser whose requests go to each instance in turn, and the list of who served them."""
        served: list[str] = []
        client = httpx.Client(
            transport=RoundRobin(self.urls, served),
            base_url=self.urls[0],
            headers={"X-Forwarded-For": address},
        )
        self.clients.append(client)
        return Visitor(client, htmx=True), served

    async def accounts(self, email: str) -> int:
        async with connected(self.database_url) as db:
            return await db.fetch_val(sa.select(sa.func.count()).select_from(users).where(users.c.email == email))


class RoundRobin(httpx.HTTPTransport):
    """Each request to the next instance, as a round-robin load balancer sends them."""

    def __init__(self, urls: list[str], served: list[str]):
        super().__init__()
        self.next = itertools.cycle(httpx.URL(url) for url in urls)
        self.served = served

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = next(self.next)
        request.url = request.url.copy_with(port=target.port)
        self.served.append(str(target))
        return super().handle_request(request)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    folder = tmp_path_factory.mktemp("instances")
    with fresh_database(folder) as database_url:
        env = {
            **os.environ,
            "APP_ENV": "test",
            "APP_SECRET": SECRET,
            "DATABASE_URL": database_url,
            "VERIFY_PROVIDER": "local",
            "SMS_PROVIDER": "console",
            "SMS_OUTBOX": str(folder / "outbox.jsonl"),
            "BCRYPT_ROUNDS": "4",
            "TRUSTED_PROXIES": "127.0.0.1",
        }
        with running(folder, env, count=2) as instances:
            cluster = Cluster(instances, database_url, Outbox(folder / "outbox.jsonl"))
            yield cluster
            for client in cluster.clients:
                client.close()


def test_one_signup_goes_from_instance_to_instance(cluster):
    visitor, served = cluster.visitor("198.51.100.1")
    visitor.sign_up(email="roaming@example.com", phone="(201) 555-0101")
    page = visitor.enter_code(cluster.outbox.last_code("+12015550101"))
    assert "Your account is verified" in words(page)
    assert "Jenny Tutone" in words(visitor.open())
    assert len(set(served)) == 2 and len(served) == 4


def test_signups_per_address_count_on_both_instances(cluster):
    visitor, served = cluster.visitor("198.51.100.2")
    pages = [visitor.sign_up(email=f"limit{n}@example.com", phone=f"(201) 555-02{n:02d}") for n in range(11)]
    assert [page.status_code for page in pages] == [200] * 10 + [429]
    assert len(set(served)) == 2


def test_wrong_tries_count_on_both_instances(cluster):
    visitor, served = cluster.visitor("192.0.2.3")  # a network and a range the test above did not use
    visitor.sign_up(email="guesser@example.com", phone="(415) 555-0301")
    code = cluster.outbox.last_code("+14155550301")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        visitor.enter_code(wrong)
    page = visitor.enter_code(code)
    assert "this code no longer works" in words(page)
    assert len(set(served)) == 2


@pytest.mark.anyio
async def test_fifty_signups_with_one_email_on_both_instances_make_one_account(cluster):
    async def sign_up(n: int) -> int:
        url = cluster.urls[n % 2]
        headers = {"X-Forwarded-For": f"10.1.0.{n}", "HX-Request": "true"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            token = TOKEN.search((await client.get("/")).text).group(1)
            await everyone_has_the_form.wait()  # then all post at once
            fields = {**JENNY, "email": "crowd@example.com", "phone": "(201) 555-0401", "csrf_token": token}
            return (await client.post("/signup", data=fields)).status_code

    everyone_has_the_form = asyncio.Barrier(50)
    statuses = await asyncio.gather(*(sign_up(n) for n in range(50)))
    # Password checks in flight count against the email's limit: some may be told to wait.
    assert set(statuses) <= {200, 429} and statuses.count(200) >= 10
    assert await cluster.accounts("crowd@example.com") == 1
    assert len(cluster.outbox.messages("+12015550401")) == 1


def test_python_app_py_runs_several_workers_whose_metrics_add_up_across_a_restart(tmp_path, database_url):
    """Whichever worker answers a scrape, it counts every worker's requests, and a
    worker that died and was replaced takes none of them with it."""
    listener = socket.create_server(("127.0.0.1", 0))  # handed over, as systemd's socket activation does
    port, fd = listener.getsockname()[1], listener.fileno()
    env = {
        "PATH": os.environ["PATH"],
        "APP_ENV": "test",
        "APP_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "LISTEN_FDS": "1",
        "WORKERS": "2",
        "BCRYPT_ROUNDS": "4",
        "SMS_OUTBOX": str(tmp_path / "outbox.jsonl"),
        "METRICS_TOKEN": "a-metrics-token-of-some-length",
    }
    # As systemd does: the socket at fd 3, and LISTEN_PID naming the process that execs the app.
    launch = f"import os; os.dup2({fd}, 3); os.environ['LISTEN_PID'] = str(os.getpid()); os.execv(*{APP_PY!r})"
    handing_over = [sys.executable, "-c", launch]
    server = Instance(tmp_path, env, handing_over, url=f"http://127.0.0.1:{port}", pass_fds=(fd,))
    listener.close()  # the app holds its own copy
    try:
        server.wait_until_serving()
        workers = _workers(server)
        with httpx.Client(base_url=server.url) as client:
            visitor = Visitor(client, htmx=True)
            visitor.sign_up()
            page = visitor.enter_code(Outbox(tmp_path / "outbox.jsonl").last_code())
        assert "Your account is verified" in words(page)
        assert len(workers) >= 2
        counted = [_requests_counted(server.url) for _ in range(6)]  # each from either worker
        assert min(counted) >= 3 and counted == sorted(counted)
        os.kill(int(workers[0]), signal.SIGKILL)
        _wait_for(lambda: len(_workers(server)) >= 2 and workers[0] not in _workers(server), "a new worker")
        server.wait_until_serving()
        assert all(_requests_counted(server.url) >= counted[-1] for _ in range(6))
    finally:
        server.stop()


def _workers(server: Instance) -> list[str]:
    """The supervisor's worker processes (not multiprocessing's resource tracker, nor one that died)."""
    pid = server.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [child for child in children if b"spawn_main" in _cmdline(child)]


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def _requests_counted(url: str) -> float:
    text = httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer a-metrics-token-of-some-length"}).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "av_http_request_seconds_count" and sample.labels["route"] != "/metrics"
    )


@pytest.mark.anyio
async def test_workers_answer_without_waiting_on_delayed_acks(monkeypatch):
    """Each keep-alive answer would wait ~40 ms with Nagle's algorithm left on."""
    import app

    handed_over = []

    def supervisor(config, sockets):
        return SimpleNamespace(run=lambda: handed_over.extend(sockets))

    monkeypatch.setattr(app, "Multiprocess", supervisor)
    app._run_workers(uvicorn.Config("app:app", host="127.0.0.1", port=0, workers=2, log_config=None))
    loop = asyncio.get_running_loop()
    accepted = loop.create_future()

    class Worker(asyncio.Protocol):
        def connection_made(self, transport):
            accepted.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    with handed_over[0] as listener:
        server = await loop.create_server(Worker, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        assert await accepted == 1
        writer.close()
        server.close()
        await server.wait_closed()


def test_a_crash_during_a_send_never_reads_as_sent_and_the_visitor_can_ask_again(tmp_path, database_url, fake_server):
    """The server is killed while the provider holds the code: after a restart the
    visitor is not told a code went out, and gets one as soon as that send is given up."""
    fake, fake_url = fake_server
    fake.reset()
    # The send's claim must outlast a restart on a machine busy with the rest of the suite.
    env = _on_twilio(database_url, fake, fake_url, SEND_TIMEOUT_SECONDS="6", PROVIDER_TIMEOUT_SECONDS="5.5")
    form = {**JENNY, "email": "crash@example.com", "phone": "(201) 555-0901"}
    fake.fail("verify.start", Fault(delay=10))
    with running(tmp_path, env, count=1) as (first,):
        claimed_at = time.monotonic()
        posting = threading.Thread(target=_post_signup, args=(first.url, form), daemon=True)
        posting.start()
        _wait_for(lambda: fake.count("verify.start") == 1, "the provider to receive the send")
        first.process.kill()  # mid-send
    with running(tmp_path, env, count=1) as (second,), httpx.Client(base_url=second.url) as client:
        visitor = Visitor(client, htmx=True)
        page = visitor.sign_up(**form)
        assert "We sent a code" not in words(page)
        assert "We have not been able to send a code" in words(page)
        _wait_for(lambda: time.monotonic() - claimed_at > 6.5, "the send deadline to pass")
        page = visitor.resend()
        assert page.status_code == 200 and "We sent a new code" in words(page)
    assert fake.count("verify.start") == 2 and fake.violations == []


def test_a_crash_between_the_commit_and_the_send_still_sends_the_text_once(tmp_path, database_url, fake_server):
    """The confirmation is in the outbox when the account is verified; the server dies
    while its send hangs, before any provider has it. After a restart it goes out, once."""
    fake, fake_url = fake_server
    fake.reset()
    silent = socket.create_server(("127.0.0.1", 0))  # takes connections, never answers
    env = _on_twilio(
        database_url,
        fake,
        fake_url,
        TWILIO_API_URL=f"http://127.0.0.1:{silent.getsockname()[1]}",
        SEND_TIMEOUT_SECONDS="1",
        PROVIDER_TIMEOUT_SECONDS="30",
        OUTBOX_POLL_SECONDS="0.1",
    )
    form = {**JENNY, "email": "outbox@example.com", "phone": "(201) 555-0902"}
    with running(tmp_path, env, count=1) as (first,), httpx.Client(base_url=first.url) as client:
        visitor = Visitor(client, htmx=True)
        visitor.sign_up(**form)
        page = visitor.enter_code(fake.last_code("+12015550902"))
        assert "A text to confirm it is on its way." in words(page)
        _wait_for(lambda: select.select([silent], [], [], 0)[0], "the outbox to start sending")
        first.process.kill()  # committed, claimed, not sent
    silent.close()
    with running(tmp_path, {**env, "TWILIO_API_URL": fake_url}, count=1):
        _wait_for(lambda: fake.count("messages.create") == 1, "the text after the restart")
        time.sleep(0.5)  # a few more rounds of the outbox: none sends it again
    assert [text.body for text in fake.sent_to("+12015550902") if "Welcome" in text.body] == [
        "Your Account Verification account is verified. Welcome aboard!"
    ]


def _on_twilio(database_url: str, fake, fake_url: str, **changes: str) -> dict[str, str]:
    """An app process's environment: Twilio Verify for codes and Messages for texts, both the fake."""
    return {
        **os.environ,
        "APP_ENV": "test",
        "APP_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "BCRYPT_ROUNDS": "4",
        "VERIFY_PROVIDER": "twilio-verify",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_VERIFY_SERVICE_SID": fake.service_sid,
        "TWILIO_NUMBER": "+15005550006",
        "TWILIO_API_URL": fake_url,
        "TWILIO_VERIFY_API_URL": fake_url,
        **changes,
    }


def _post_signup(url: str, form: dict) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        token = TOKEN.search(client.get("/").text).group(1)
        try:
            client.post("/signup", data={**form, "csrf_token": token})
        except httpx.TransportError:
            pass  # the server died under it


def _wait_for(condition, what: str, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_the_process_that_supervises_workers_does_not_load_the_app():
    """Each worker loads it; the supervisor only needs the settings (and so stays small)."""
    script = (
        "import sys, app; print(sorted(m for m in ('routes', 'starlette.applications', 'sqlalchemy', "
        "'jinja2', 'bcrypt') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_a_socket_handed_to_another_process_is_left_alone(monkeypatch):
    """systemd names the process a socket is for; a child that inherited the variables binds its own."""
    import app

    monkeypatch.setenv("LISTEN_FDS", "1")
    monkeypatch.setenv("LISTEN_PID", str(os.getpid() + 1))
    assert app._handed_over() is None
