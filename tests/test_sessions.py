"""Coming back, signing in and out, and what one visitor can never do to another."""

import base64
import json
import logging

import pytest
from support import JENNY, JENNY_E164, words

from components.storage.database import pending_codes, users


def test_reload_shows_the_current_step_at_every_point(visitor, outbox):
    assert visitor.open().context["step"] == "signup"
    visitor.sign_up()
    assert visitor.open().context["step"] == "code"
    visitor.change_number()
    assert visitor.open().context["step"] == "number"
    visitor.set_number("415 555 2671")
    assert visitor.open().context["step"] == "code"
    visitor.enter_code(outbox.last_code("+14155552671"))
    page = visitor.open()
    assert page.context["step"] == "account" and "Hi there Jenny Tutone!" in words(page)


def test_sign_out_ends_the_session(visitor, outbox):
    visitor.sign_up()
    visitor.enter_code(outbox.last_code())
    page = visitor.sign_out()
    assert page.context["step"] == "signup"
    assert "You are signed out." in words(page)
    assert visitor.open().context["step"] == "signup"


def test_sign_in_brings_a_verified_user_to_their_page(verified, new_visitor):
    returning = new_visitor(htmx=False)
    page = returning.open("/signin")
    assert page.context["step"] == "signin"
    page = returning.sign_in()
    assert page.context["step"] == "account"
    assert "Welcome back, Jenny Tutone." in words(page)


def test_sign_in_brings_an_unverified_user_back_to_the_code_step(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up()
    returning = new_visitor()
    page = returning.sign_in(email="  jenny@EXAMPLE.COM ")
    assert page.context["step"] == "code"
    assert page.headers["HX-Replace-Url"] == "/"
    assert returning.enter_code(outbox.last_code()).context["step"] == "account"


def test_unknown_email_and_wrong_password_get_the_same_answer(verified, new_visitor):
    stranger = new_visitor()
    unknown = stranger.sign_in(email="nobody@example.com")
    wrong = stranger.sign_in(password="not the password")
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.context["notice"] == wrong.context["notice"]
    assert "The email or password is not right." in words(wrong)
    assert JENNY["password"] not in wrong.text and "not the password" not in wrong.text


def test_signin_page_sends_a_signed_in_visitor_home(verified):
    answer = verified.client.get("/signin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_verification_and_sign_in_issue_a_fresh_session(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    before = htmx_visitor.token
    htmx_visitor.enter_code(outbox.last_code())
    assert htmx_visitor.token != before
    stale = htmx_visitor.client.post("/signout", data={"csrf_token": before}, headers=htmx_visitor.headers)
    assert stale.status_code == 403


@pytest.mark.parametrize("action", ["/signup", "/code", "/code/resend", "/number/change", "/number", "/signin", "/signout"])
@pytest.mark.parametrize("token", [None, "wrong"])
def test_every_post_without_the_right_csrf_token_is_refused(htmx_visitor, outbox, action, token):
    htmx_visitor.sign_up()
    data = {"code": outbox.last_code(), **JENNY}
    if token:
        data["csrf_token"] = token
    answer = htmx_visitor.client.post(action, data=data, headers=htmx_visitor.headers)
    assert answer.status_code == 403
    assert "This form had expired, so nothing was sent." in words(answer)
    assert htmx_visitor.open().context["step"] == "code"
    assert len(outbox.messages()) == 1


def test_a_refused_signup_form_comes_back_filled_in_with_a_fresh_token(plain_visitor, outbox):
    answer = plain_visitor.client.post("/signup", data={**JENNY, "csrf_token": "stale"})
    assert answer.status_code == 403
    assert answer.template.name == "page.html"
    assert 'value="jenny@example.com"' in answer.text and JENNY["password"] not in answer.text
    assert outbox.messages() == []


def test_one_visitor_never_reaches_another_visitors_signup(new_visitor, outbox):
    jenny = new_visitor()
    jenny.sign_up()
    jenny_code = outbox.last_code()
    mallory = new_visitor()
    assert mallory.open().context["step"] == "signup"
    for action, data in [("/code", {"code": jenny_code}), ("/code/resend", {}), ("/number/change", {})]:
        page = mallory.post(action, data)
        assert page.context["step"] == "signup"
        assert "There is no signup waiting for a code." in words(page)
    assert len(outbox.messages(JENNY_E164)) == 1
    assert jenny.enter_code(jenny_code).context["step"] == "account"
    assert "Jenny" not in mallory.open().text
    assert mallory.client.get("/users/1").status_code == 404


def _cookie_payload(visitor) -> str:
    data = visitor.session().split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode()


def test_no_code_or_password_in_clear_in_the_database_cookie_or_logs(htmx_visitor, outbox, server, caplog):
    caplog.set_level(logging.INFO)
    htmx_visitor.sign_up()
    code = outbox.last_code()
    htmx_visitor.enter_code("000000" if code != "000000" else "111111")
    cookie = _cookie_payload(htmx_visitor)
    assert set(json.loads(cookie)) <= {"uid", "ver", "iat", "seen", "csrf", "step", "flash"}
    assert code not in cookie and JENNY["password"] not in cookie

    db = server.app.state.services.users.db
    rows = server.portal.call(db.fetch_all, users.select()) + server.portal.call(db.fetch_all, pending_codes.select())
    stored = json.dumps([dict(row._mapping) for row in rows])
    assert JENNY["password"] not in stored and f'"{code}"' not in stored
    assert '"password_hash": "$2b$04$' in stored

    htmx_visitor.enter_code(code)
    logged = caplog.text
    assert logged and code not in logged and JENNY["password"] not in logged and JENNY_E164 not in logged
