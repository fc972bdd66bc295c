"""The step table (routes/steps.py) is the flow and the route list: every route
comes from it, every step has its template, each action its handler in its
journey's module, titles and headings come from it, a Success that lands
anywhere the table does not list is refused, and no template or module writes
a path the table names."""

import ast
import re
from dataclasses import replace
from pathlib import Path

import pytest
from support import words

from routes import steps

ROOT = Path(__file__).resolve().parents[2]


def test_every_route_of_the_app_comes_from_the_table(app):
    assert [(route.path, route.name) for route in app.routes] == [
        *((step.page.path, step.name) for step in steps.STEPS if step.page),
        *((action.path, action.name) for action in steps.ACTIONS),
        *((route.path, route.name) for route in steps.OTHERS),
    ]
    names = [route.name for route in app.routes]
    assert len(names) == len(set(names)), "every route has a name of its own"


def test_every_step_has_its_template_and_every_action_its_handler_in_a_journeys_module():
    for step in steps.STEPS:
        assert (ROOT / "templates" / step.template).exists(), step.name
    for action in steps.ACTIONS:
        assert action.on in steps.STEPS and set(action.leads_to) <= set(steps.STEPS), action.name
        assert action.handler.__module__.startswith("routes."), action.name
        # A route is named after its handler; one handler that serves several pages, after it and the page.
        named = {action.name, action.name.replace(f"_{action.on.name}_", "_", 1)}
        assert action.handler.__name__ in named, "a route is named after its handler"


def test_the_posts_that_hash_a_password_are_the_ones_that_take_one(app):
    hashing = {action.name for action in steps.ACTIONS if action.hashes}
    assert hashing == {
        "sign_up",
        "sign_in",
        "set_new_password",
        "change_password",
        "start_number_change",
        "close_account",
        "confirm_for_passkeys",
    }


def _literal_paths() -> set[str]:
    """The paths the table gives its routes (home's "/" is looked for in templates only)."""
    paths = {route.path.split("{")[0].rstrip("/") for route in steps.TABLE.routes()}
    return {path for path in paths if path}


def test_no_template_writes_a_path():
    for template in (ROOT / "templates").rglob("*.html"):
        found = re.findall(
            r"""(?:href|action|hx-get|hx-post|src)=["'](/[^"'{]*)|\(["'](/[^"']*)["']""", template.read_text()
        )
        assert not found, f"{template.relative_to(ROOT)} writes {found}: name the route instead (path(...))"


def _python_modules() -> list[Path]:
    return [ROOT / "app.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "routes").rglob("*.py")]


@pytest.mark.parametrize("module", _python_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_but_the_table_writes_a_path_the_table_names(module):
    if module == ROOT / "routes" / "steps.py":
        return
    written = {
        node.value
        for node in ast.walk(ast.parse(module.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("/")
    }
    named = {text for text in written for path in _literal_paths() if text == path or text.startswith(path + "/")}
    assert not named, f"{module.relative_to(ROOT)} writes {named}: name the route instead (path_to)"


def _title_and_heading(page) -> tuple[str, str]:
    title = re.search(r"<title>(.*?) · ", words(page)).group(1)
    heading = re.search(r'<h1 id="step-title"[^>]*>(.*?)</h1>', words(page)).group(1)
    return title, heading


def _every_step(visitor, outbox, settle, clock):
    yield visitor.open()
    yield visitor.sign_up()
    yield visitor.different_number()
    clock.advance(30)  # a new number is sent a code as a resend would be
    yield visitor.set_number("415 555 2671")
    yield visitor.enter_code(outbox.last_code("+14155552671"))
    for path in (
        *("/account/password", "/account/mobile", "/account/passkeys"),
        *("/account/devices", "/account/activity", "/account/close"),
    ):
        yield visitor.open(path)
    yield visitor.sign_out()
    yield visitor.open("/signin")
    yield visitor.open("/password/forgot")
    visitor.request_reset()
    settle()
    yield visitor.enter_code(outbox.last_code("+14155552671"))


def test_titles_and_headings_come_from_the_table(visitor, outbox, settle, clock):
    seen = {}
    for page in _every_step(visitor, outbox, settle, clock):
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
    route = next(route for route in htmx_visitor.client.app.routes if route.name == "resend_code")
    monkeypatch.setattr(route, "action", replace(route.action, leads_to=(steps.ACCOUNT,)))
    answer = htmx_visitor.resend()
    assert answer.status_code == 500
    assert "UndeclaredTransition: POST /code/resend led to code" in caplog.text


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/code"), ("PUT", "/signup"), ("DELETE", "/"), ("GET", "/signout")]
)
def test_routes_answer_only_the_methods_they_need(plain_visitor, method, path):
    assert plain_visitor.client.request(method, path).status_code == 405
