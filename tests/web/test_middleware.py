"""Middleware on every answer: security headers, the body cap, gzip for reads only."""

import asyncio
import gzip
import re
import time
from dataclasses import replace

import pytest
from starlette.testclient import TestClient
from support import Visitor, browser

from app import create_app
from components.web import compression, templates
from components.web.middleware import InFlight


def test_a_huge_form_is_refused_without_an_error(plain_visitor, outbox):
    answer = plain_visitor.client.post("/signup", data={"csrf_token": plain_visitor.token, "name": "x" * 10_000})
    assert answer.status_code == 413
    assert outbox.messages() == [] and plain_visitor.open().context["step"] == "signup"


def _every_kind_of_answer(client, token: str):
    yield client.get("/")
    yield client.get("/signin")
    yield client.get("/static/app.css")
    yield client.get("/nowhere")
    yield client.delete("/")
    yield client.post("/signup", data={"csrf_token": "wrong"})
    yield client.post("/signup", data={"csrf_token": token, "name": "x" * 20_000})
    for action in ("/signup", "/code", "/code/resend", "/number/change", "/number", "/signin", "/signout"):
        yield client.post(action, data={"csrf_token": token})


@pytest.mark.parametrize("environment", ["development", "production"])
def test_every_answer_carries_the_security_headers(settings, outbox, clock, environment):
    app = create_app(replace(settings, app_env=environment), sender=outbox, clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
        statuses = set()
        for answer in _every_kind_of_answer(client, token):
            statuses.add(answer.status_code)
            assert answer.headers["Content-Security-Policy"] == (
                "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
            )
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "same-origin"
            assert ("Strict-Transport-Security" in answer.headers) == (environment == "production")
        assert {200, 403, 404, 405, 413, 422} <= statuses


def test_posted_answers_are_never_compressed(visitor):
    """Nor the page a no-JS post is sent to with its problems: it echoes what was typed too."""
    answer = visitor.client.post(
        "/signup",
        data={"csrf_token": visitor.token, "name": "x", "email": "someone-typed-this@example.com"},
        headers={"Accept-Encoding": "gzip", **visitor.headers},
    )
    assert answer.status_code == 422 and answer.headers.get("Content-Encoding", "identity") == "identity"
    assert "someone-typed-this@example.com" in answer.text


@pytest.mark.anyio
async def test_at_most_so_many_password_posts_are_worked_on_at_once_and_other_requests_pass():
    working, most, reads = 0, 0, []
    release = asyncio.Event()

    async def app(scope, receive, send):
        nonlocal working, most
        if scope["method"] == "GET":
            reads.append(1)
            return
        working += 1
        most = max(most, working)
        await release.wait()
        working -= 1

    door = InFlight(app, most=3, paths=frozenset({"/signup"}))
    posts = [
        asyncio.create_task(door({"type": "http", "method": "POST", "path": "/signup"}, None, None)) for _ in range(10)
    ]
    for _ in range(100):  # let every post reach the door
        await asyncio.sleep(0)
    await door({"type": "http", "method": "GET", "path": "/"}, None, None)  # not held up by the crowd
    assert reads == [1] and most == 3
    code = asyncio.create_task(door({"type": "http", "method": "POST", "path": "/code"}, None, None))
    for _ in range(100):
        await asyncio.sleep(0)
    assert most == 4  # a code being checked went straight in
    release.set()
    await asyncio.gather(*posts, code)


def test_an_oversized_body_without_a_length_is_refused_with_413(server):
    """Sent in chunks, with no Content-Length to read the size from beforehand."""

    def chunks():
        for _ in range(20):
            yield b"x" * 1024

    answer = server.post("/signup", content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 413 and answer.headers["X-Error-Page"] == "413"


def _posting(path: str, receive):
    """A raw POST to `path` whose body arrives as `receive` gives it: what the app answered."""
    answered = {}

    async def send(message):
        if message["type"] == "http.response.start":
            answered["status"] = message["status"]
            answered["headers"] = {key.decode(): value.decode() for key, value in message["headers"]}

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("198.51.100.9", 50000),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", b"8000"),
        ],
    }
    return scope, send, answered


def _trickle(release: asyncio.Event):
    """A body that sends a few bytes, then nothing until released (or ever)."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"email=a", "more_body": True}
        await release.wait()
        return {"type": "http.disconnect"}

    return receive


def test_a_body_that_does_not_arrive_in_time_gets_408_on_the_apps_own_page(settings, outbox, clock):
    app = create_app(replace(settings, body_timeout_seconds=0.5), sender=outbox, clock=clock)
    with TestClient(app) as running:
        scope, send, answered = _posting("/signin", _trickle(asyncio.Event()))
        started = time.monotonic()
        running.portal.call(app, scope, _trickle(asyncio.Event()), send)
        assert time.monotonic() - started < 3
    assert answered["status"] == 408 and answered["headers"]["x-error-page"] == "408"
    assert answered["headers"]["content-security-policy"].startswith("default-src 'self'")


def test_trickled_bodies_hold_no_password_slot(settings, outbox, clock):
    """Eight sockets trickling a sign-in's body once kept a real sign-in waiting a minute."""
    app = create_app(replace(settings, body_timeout_seconds=30), sender=outbox, clock=clock)
    with TestClient(app) as running:
        release = running.portal.call(asyncio.Event)
        trickling = [
            running.portal.start_task_soon(
                app, *_posting("/signin", None)[:1], _trickle(release), _posting("/signin", None)[1]
            )
            for _ in range(12)
        ]
        time.sleep(0.3)  # every trickle is in, waiting on its body
        started = time.monotonic()
        page = Visitor(browser(running), htmx=True).sign_in()
        waited = time.monotonic() - started
        running.portal.call(release.set)
        for task in trickling:
            task.result(timeout=10)
    assert page.status_code == 422 and waited < 2


def _raw_get(client, path: str, **headers: str):
    """The answer's bytes as sent (httpx would decompress them)."""
    with client.stream("GET", path, headers=headers) as answer:
        return answer, b"".join(answer.iter_raw())


def _tokenless(page: bytes) -> bytes:
    return re.sub(rb'name="csrf_token" value="[^"]+"', b"", page)


def test_a_new_visitors_page_is_compressed_once_and_each_visitor_gets_a_whole_gzip_with_their_own_token(
    plain_visitor, monkeypatch
):
    made = []
    monkeypatch.setattr(templates, "_rendered", {})  # nothing made by an earlier test
    original = compression.Precompressed.of
    monkeypatch.setattr(compression.Precompressed, "of", lambda *a: made.append(1) or original(*a))
    client = plain_visitor.client
    pages = []
    for _ in range(3):
        client.cookies.clear()
        answer, raw = _raw_get(client, "/", **{"Accept-Encoding": "gzip"})
        assert answer.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in answer.headers["Vary"]
        pages.append(gzip.decompress(raw))  # strict: checks the CRC and the length
    client.cookies.clear()
    plain = client.get("/", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert {_tokenless(page) for page in pages} == {_tokenless(plain.content)}
    tokens = [re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1) for page in pages]
    assert len(set(tokens)) == 3
    assert len(made) == 1  # once per step and language
    client.cookies.clear()
    client.get("/", headers={"Accept-Encoding": "gzip", "Accept-Language": "fr"})
    assert len(made) == 2


def test_the_token_in_a_compressed_page_goes_uncompressed_so_the_size_says_nothing_of_it(plain_visitor):
    client = plain_visitor.client
    client.cookies.clear()
    answer, raw = _raw_get(client, "/", **{"Accept-Encoding": "gzip"})
    token = re.search(rb'name="csrf_token" value="([^"]+)"', gzip.decompress(raw)).group(1)
    assert token in raw  # a stored block: as it is, not deflated with the page around it
