"""Middleware on every answer: security headers, the body cap, gzip for reads only."""

import asyncio
import re
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from app import create_app
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


def test_posted_answers_are_never_compressed(plain_visitor):
    answer = plain_visitor.client.post(
        "/signup",
        data={"csrf_token": plain_visitor.token, "name": "x"},
        headers={"Accept-Encoding": "gzip"},
    )
    assert answer.status_code == 422 and "Content-Encoding" not in answer.headers


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
