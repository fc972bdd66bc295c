"""Signing in: back to the step the account is at; one answer for every wrong guess."""

import bcrypt
from support import JENNY, words


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


def test_unknown_email_and_wrong_password_get_the_same_answer_after_the_same_work(verified, new_visitor, monkeypatch):
    checks = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *args: checks.append(1) or original(*args))
    stranger = new_visitor()
    unknown = stranger.sign_in(email="nobody@example.com")
    wrong = stranger.sign_in(password="not the password")
    assert checks == [1, 1]
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.context["notice"] == wrong.context["notice"]
    assert "The email or password is not right." in words(wrong)
    assert JENNY["password"] not in wrong.text and "not the password" not in wrong.text


def test_signin_page_sends_a_signed_in_visitor_home(verified):
    answer = verified.client.get("/signin", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_sign_in_issues_a_new_session_and_retires_the_old_token(verified, new_visitor):
    other = new_visitor()
    before, token = other.session(), other.token
    other.sign_in()
    assert other.session() != before and other.token != token
    assert other.open().context["step"] == "account"
    stale = other.client.post("/signout", data={"csrf_token": token}, headers=other.headers)
    assert stale.status_code == 403
