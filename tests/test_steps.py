"""The step table (routes/steps.py) is the flow: every route is declared there,
every step has its template and handler, titles and headings come from it, and
a Success that lands anywhere the table does not list is refused."""

import re
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.routing import Route
from support import words

from components.web.twilio_webhooks import STATUS_PATH
from routes import steps

ROOT = Path(__file__).resolve().parent.parent


def _routes(app, method: str) -> set[str]:
    return {route.path for route in app.routes if isinstance(route, Route) and method in route.methods}


def test_every_post_route_is_a_declared_action_and_every_action_a_route(app):
    """Besides Twilio's webhook, which no browser posts (routes/webhooks.py)."""
    assert _routes(app, "POST") == {*steps.ACTIONS, STATUS_PATH}


def test_every_step_has_its_template_and_its_address(app):
    for step in steps.STEPS:
        assert (ROOT / "templates" / step.template).exists(), step.name
        assert step.url in _routes(app, "GET"), step.name
    for action in steps.ACTIONS.values():
        assert action.on in steps.STEPS and set(action.leads_to) <= set(steps.STEPS), action.path


def _title_and_heading(page) -> tuple[str, str]:
    title = re.search(r"<title>(.*?) · ", words(page)).group(1)
    heading = re.search(r'<h1 id="step-title"[^>]*>(.*?)</h1>', words(page)).group(1)
    return title, heading


def _every_step(visitor, outbox, settle):
    yield visitor.open()
    yield visitor.sign_up()
    yield visitor.different_number()
    yield visitor.set_number("415 555 2671")
    yield visitor.enter_code(outbox.last_code("+14155552671"))
    for path in ("/account/password", "/account/mobile", "/account/close"):
        yield visitor.open(path)
    yield visitor.sign_out()
    yield visitor.open("/signin")
    yield visitor.open("/password/forgot")
    visitor.request_reset()
    settle()
    yield visitor.enter_code(outbox.last_code("+14155552671"))


def test_titles_and_headings_come_from_the_table(visitor, outbox, settle):
    seen = {}
    for page in _every_step(visitor, outbox, settle):
        step = next(step for step in steps.STEPS if step.name == page.context["step"])
        title, heading = _title_and_heading(page)
        assert title == step.title.message
        assert heading == (f"Hi there {page.context['user'].name}!" if step.heading else step.title.message)
        seen[step.name] = heading
    assert seen["account"] == "Hi there Jenny Tutone!"
    assert set(seen) == {step.name for step in steps.STEPS}


def test_a_success_that_lands_on_an_undeclared_step_is_refused(htmx_visitor, clock, monkeypatch, caplog):
    htmx_visitor.sign_up()
    clock.advance(30)
    resend = steps.ACTIONS["/code/resend"]
    monkeypatch.setitem(steps.ACTIONS, "/code/resend", replace(resend, leads_to=(steps.ACCOUNT,)))
    answer = htmx_visitor.resend()
    assert answer.status_code == 500
    assert "UndeclaredTransition: POST /code/resend led to code" in caplog.text


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/code"), ("PUT", "/signup"), ("DELETE", "/"), ("GET", "/signout")]
)
def test_routes_answer_only_the_methods_they_need(plain_visitor, method, path):
    assert plain_visitor.client.request(method, path).status_code == 405
