"""When the database fails or something breaks: every request answers in time,
with the app's own page and the security headers; 503 and Retry-After when the
database is at fault, and nothing the visitor typed is lost."""

import re
import time
from dataclasses import replace

import pytest
from starlette.testclient import TestClient
from support import JENNY, Visitor, browser, words

from app import create_app
from components.flows import signup

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")


def _is_error_page(answer, status: int) -> None:
    assert answer.status_code == status
    assert all(name in answer.headers for name in HEADERS)
    assert answer.headers["X-Error-Page"] == str(status) and answer.headers["HX-Reswap"] == "none"
    assert answer.headers["Cache-Control"] == "no-store"
    assert re.search(r'<link rel="stylesheet" href="/static/app\.css\?v=', answer.text)  # the app's own page


def _unavailable(answer) -> None:
    _is_error_page(answer, 503)
    assert answer.headers["Retry-After"] == "10"
    assert "Nothing you typed was lost" in words(answer)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "no-js"])
def test_a_database_that_stops_answering_gets_a_503_within_the_bound(behind_proxy, htmx):
    proxy, running = behind_proxy
    visitor = Visitor(browser(running), htmx=htmx)
    visitor.sign_up()
    proxy.stall()
    for request in (visitor.open, lambda: visitor.post("/signup", {**JENNY, "email": "b@example.com"})):
        started = time.monotonic()
        answer = request()
        assert time.monotonic() - started < 2.5  # DATABASE_TIMEOUT_SECONDS (1 here), with room; not 30 or 40
        _unavailable(answer)
    proxy.resume()
    assert visitor.open().status_code == 200


def test_a_database_that_refuses_connections_gets_a_503(behind_proxy):
    proxy, running = behind_proxy
    visitor = Visitor(browser(running), htmx=False)
    proxy.refuse()
    _unavailable(visitor.sign_up())


def test_a_sqlite_file_locked_by_another_process_gets_a_503(settings, outbox, clock, tmp_path):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("a SQLite file's lock")
    import sqlite3

    app = create_app(replace(settings, database_timeout_seconds=0.5), sender=outbox, clock=clock)
    with TestClient(app) as running:
        visitor = Visitor(browser(running), htmx=False)
        holder = sqlite3.connect(settings.database_url.removeprefix("sqlite:///"))
        holder.execute("BEGIN EXCLUSIVE")
        try:
            _unavailable(visitor.sign_up())
        finally:
            holder.rollback()
        assert visitor.sign_up().status_code == 200


def test_a_full_disk_gets_a_503_and_loses_no_account(settings, outbox, clock):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite's own full-disk error")
    with TestClient(create_app(settings, sender=outbox, clock=clock)) as running:
        jenny = Visitor(browser(running), htmx=True)
        jenny.sign_up()
        jenny.enter_code(outbox.last_code())
        db = running.app.state.services.users.db
        pages = running.portal.call(db.fetch_val, "PRAGMA page_count")  # no page may be added now:
        running.portal.call(db.execute, f"PRAGMA max_page_count = {pages}")  # "database or disk is full"
        others = [Visitor(browser(running, f"198.51.100.{n}"), htmx=False) for n in range(40)]
        answers = [
            other.sign_up(email=f"full{n}@example.com", phone=f"+1 201 555 {n:04d}") for n, other in enumerate(others)
        ]
        assert {answer.status_code for answer in answers} >= {503}
        _unavailable(next(answer for answer in answers if answer.status_code == 503))
        assert jenny.open().context["step"] == "account"


def test_anything_else_that_breaks_gets_a_styled_500_and_a_log_line(plain_visitor, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(signup, "sign_up", broken)
    answer = plain_visitor.sign_up()
    _is_error_page(answer, 500)
    assert "Sorry, something went wrong" in words(answer) and "a bug" not in answer.text
    assert "failed: POST /signup" in caplog.text and "RuntimeError: a bug" in caplog.text


def test_unknown_pages_and_methods_get_the_apps_own_page(plain_visitor):
    _is_error_page(plain_visitor.client.get("/nowhere"), 404)
    not_allowed = plain_visitor.client.get("/signout")
    _is_error_page(not_allowed, 405)
    assert not_allowed.headers["Allow"] == "POST"


def test_a_request_past_its_deadline_gets_a_503(settings, outbox, clock, monkeypatch):
    async def stuck(*args, **kwargs):
        await __import__("asyncio").sleep(3600)

    monkeypatch.setattr(signup, "sign_up", stuck)
    app = create_app(replace(settings, request_timeout_seconds=0.3), sender=outbox, clock=clock)
    with TestClient(app) as running:
        _unavailable(Visitor(browser(running), htmx=True).sign_up())
