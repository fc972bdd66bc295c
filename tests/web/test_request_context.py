"""Request ids: made here, or taken from X-Request-ID only through a trusted
proxy; returned on every answer and printed on error pages."""

import logging
import re
from dataclasses import replace

import pytest
from starlette.testclient import TestClient
from support import browser, words

from app import create_app

ID = re.compile(r"[0-9a-f]{32}")


def test_every_answer_has_an_id_of_its_own(server):
    ids = [server.get(path).headers["X-Request-ID"] for path in ("/", "/", "/healthz", "/nowhere")]
    assert all(ID.fullmatch(request_id) for request_id in ids) and len(set(ids)) == 4


def test_an_id_sent_by_anyone_else_is_not_taken(server):
    answer = server.get("/", headers={"X-Request-ID": "planted-by-a-visitor"})
    assert ID.fullmatch(answer.headers["X-Request-ID"])


@pytest.mark.parametrize(("given", "kept"), [("lb-7f3a-19", True), ("spaces are not ids", False), ("x" * 129, False)])
def test_an_id_from_a_trusted_proxy_is_kept_when_it_looks_like_one(settings, outbox, clock, given, kept):
    behind = replace(settings, trusted_proxies=("10.0.0.0/8",))
    with TestClient(create_app(behind, sender=outbox, clock=clock)) as running:
        answer = browser(running, "10.0.0.2").get("/", headers={"X-Request-ID": given})
    assert (answer.headers["X-Request-ID"] == given) is kept


def test_an_error_page_gives_its_reference(server):
    answer = server.get("/nowhere")
    assert answer.status_code == 404
    reference = answer.headers["X-Request-ID"]
    assert f'give this reference: <code class="reference">{reference}</code>' in words(answer)


def test_static_files_are_logged_and_counted_under_where_they_are_mounted(server, caplog):
    with caplog.at_level(logging.INFO, logger="requests"):
        for name in ("app.css", "app.js", "icon.svg"):
            assert server.get(f"/static/{name}").status_code == 200
    logged = [record.getMessage() for record in caplog.records if record.name == "requests"]
    routes = {re.search(r"route=(\S+)", line).group(1) for line in logged}
    assert routes == {"/static"}
