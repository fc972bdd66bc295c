"""Signing in: the password (throttled, and the same answer for every wrong guess),
then a code to the verified number unless this browser is remembered."""

import logging
import re
import time
from dataclasses import replace

import bcrypt
import pytest
from starlette.testclient import TestClient
from support import JENNY, JENNY_E164, SECRET, Visitor, browser, words

from app import create_app
from components.flows.password_checks import email_key

WRONG_CODE = "0000000"  # seven digits: never a six-digit code


def test_sign_in_brings_a_verified_user_to_their_page_after_a_code(verified, new_visitor, outbox):
    returning = new_visitor(htmx=False)
    page = returning.open("/signin")
    assert page.context["step"] == "signin"
    texts = len(outbox.messages(JENNY_E164))
    page = returning.sign_in()
    assert page.context["step"] == "code"
    assert 'We sent a code to <strong class="nowrap" dir="ltr">+1 •••-•••-5309</strong> to finish signing in' in words(
        page
    )
    assert len(outbox.messages(JENNY_E164)) == texts + 1
    assert returning.session_cookie_has("pending") and not returning.session_cookie_has("uid")
    page = returning.enter_code(outbox.last_code())
    assert page.context["step"] == "account"
    assert "Welcome back, Jenny Tutone." in words(page)


def test_until_the_code_is_right_the_browser_is_not_signed_in(verified, new_visitor, outbox, clock):
    returning = new_visitor()
    returning.sign_in()
    assert returning.open().context["step"] == "code"
    assert returning.client.get("/signin", follow_redirects=False).status_code == 200  # not signed in
    page = returning.enter_code(WRONG_CODE)
    assert page.status_code == 422 and page.context["errors"] == {"code": "That code is not right. 4 attempts left."}
    clock.advance(30)
    assert "We sent a new code to +1 •••-•••-5309." in words(returning.resend())
    assert returning.enter_code(outbox.last_code()).context["step"] == "account"


def test_the_sign_in_code_step_offers_no_other_number_but_another_account(verified, new_visitor):
    page = new_visitor().sign_in()
    assert 'action="/number/change"' not in page.text
    assert "Sign in as someone else" in words(page)
    assert new_visitor().post("/number/change").context["step"] == "signup"


def test_sign_in_brings_an_unverified_user_back_to_the_code_step(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up()
    returning = new_visitor()
    page = returning.sign_in(email="  jenny@EXAMPLE.COM ")
    assert page.context["step"] == "code"
    assert page.headers["HX-Replace-Url"] == "/"
    assert 'name="remember"' not in page.text
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


def test_sign_in_issues_a_new_session_and_retires_the_old_token(verified, new_visitor, outbox):
    other = new_visitor()
    before, token = other.session(), other.token
    other.sign_in()
    other.enter_code(outbox.last_code())
    assert other.session() != before and other.token != token
    assert other.open().context["step"] == "account"
    stale = other.client.post("/signout", data={"csrf_token": token}, headers=other.headers)
    assert stale.status_code == 403


# Remembered browsers ---------------------------------------------------------------


def _signed_in_remembering(visitor: Visitor, outbox) -> str:
    visitor.sign_in()
    page = visitor.post("/code", {"code": outbox.last_code(), "remember": "yes"})
    assert page.context["step"] == "account"
    visitor.sign_out()
    return visitor.client.cookies.get("remember")


def test_a_remembered_browser_signs_in_with_the_password_alone(verified, new_visitor, outbox):
    laptop = new_visitor(htmx=False)
    page = laptop.sign_in()
    assert 'type="checkbox" id="remember" name="remember" value="yes">' in page.text  # off until ticked
    assert "Don't ask for a code on this browser for 30 days" in words(page)
    answer = laptop.client.post(
        "/code",
        data={"csrf_token": laptop.token, "code": outbox.last_code(), "remember": "yes"},
        follow_redirects=False,
    )
    cookie = next(value for name, value in answer.headers.multi_items() if value.startswith("remember="))
    assert "httponly" in cookie.lower() and "max-age=2592000" in cookie.lower() and "samesite=lax" in cookie.lower()
    laptop.open()
    laptop.sign_out()
    texts = len(outbox.messages(JENNY_E164))
    assert laptop.sign_in().context["step"] == "account"
    assert len(outbox.messages(JENNY_E164)) == texts  # no code this time


def test_a_remembered_browser_is_asked_again_after_thirty_days(verified, new_visitor, outbox, clock):
    laptop = new_visitor()
    _signed_in_remembering(laptop, outbox)
    clock.advance(29 * 24 * 3600)
    assert laptop.sign_in().context["step"] == "account"
    laptop.sign_out()
    clock.advance(2 * 24 * 3600)
    assert laptop.sign_in().context["step"] == "code"


def test_a_tampered_remembered_browser_cookie_is_refused(verified, new_visitor, outbox):
    laptop = new_visitor()
    token = _signed_in_remembering(laptop, outbox)
    laptop.replay("remember", token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert laptop.sign_in().context["step"] == "code"


def test_without_the_box_ticked_the_next_sign_in_asks_again(verified, new_visitor, outbox):
    laptop = new_visitor()
    laptop.sign_in()
    laptop.enter_code(outbox.last_code())
    laptop.sign_out()
    assert laptop.client.cookies.get("remember") is None
    assert laptop.sign_in().context["step"] == "code"


def test_a_remembered_browser_cookie_from_another_account_is_refused(verified, new_visitor, outbox, server):
    laptop = new_visitor()
    stolen = _signed_in_remembering(laptop, outbox)
    other = new_visitor(address="203.0.113.77")
    other.sign_up(email="other@example.com", phone="+1 415 555 2671")
    other.enter_code(outbox.last_code("+14155552671"))
    other.sign_out()
    other.replay("remember", stolen)
    assert other.sign_in(email="other@example.com").context["step"] == "code"


def test_signing_out_everywhere_forgets_every_remembered_browser(verified, new_visitor, outbox, server):
    laptop = new_visitor()
    _signed_in_remembering(laptop, outbox)
    services = server.app.state.services
    server.portal.call(services.users.end_sessions, 1)
    assert laptop.sign_in().context["step"] == "code"


@pytest.mark.parametrize(("policy", "asks"), [("always", True), ("off", False)])
def test_the_sign_in_code_policy_is_a_setting(settings, outbox, clock, policy, asks):
    app = create_app(replace(settings, signin_code=policy), sender=outbox, clock=clock)
    with TestClient(app) as running:
        jenny = Visitor(browser(running), htmx=True)
        jenny.sign_up()
        jenny.enter_code(outbox.last_code())
        if policy == "always":
            jenny.sign_out()
            jenny.sign_in()
            page = jenny.post("/code", {"code": outbox.last_code(), "remember": "yes"})
            assert page.context["step"] == "account" and jenny.client.cookies.get("remember") is None
            assert 'name="remember"' not in jenny.sign_out().text
        jenny.sign_out()
        assert jenny.sign_in().context["step"] == ("code" if asks else "account")


# Throttled passwords --------------------------------------------------------------


def test_ten_wrong_passwords_for_an_email_then_it_must_wait(verified, new_visitor, clock, caplog):
    guesser = new_visitor(htmx=False)
    pages = [guesser.sign_in(password=f"guess number {n}") for n in range(11)]
    assert [page.status_code for page in pages] == [422] * 10 + [429]
    assert pages[-1].headers["Retry-After"] == "90"  # ten in fifteen minutes: one frees every 90 s
    assert "Too many tries for this email. Try again in 2 minutes." in words(pages[-1])
    assert guesser.sign_in().status_code == 429  # the right password waits too
    clock.advance(90)
    assert guesser.sign_in().context["step"] == "code"


def test_an_unknown_email_is_throttled_exactly_like_a_real_one(verified, new_visitor):
    def eleven_tries(email: str) -> list[tuple[int, str]]:
        visitor = new_visitor()
        pages = [visitor.sign_in(email=email, password=f"guess {n}") for n in range(11)]
        return [(page.status_code, page.headers.get("Retry-After"), page.context["notice"]) for page in pages]

    assert eleven_tries(JENNY["email"]) == eleven_tries("nobody@example.com")


def test_wrong_passwords_count_against_one_email_in_any_case_and_only_against_that_email():
    assert email_key(SECRET, " Jenny@Example.COM ") == email_key(SECRET, "jenny@example.com")
    assert email_key(SECRET, "straße@example.com") != email_key(SECRET, "strasse@example.com")  # two addresses


def test_wrong_passwords_from_one_address_are_throttled_across_emails(new_visitor):
    guesser = new_visitor(address="198.51.100.20")
    pages = [guesser.sign_in(email=f"user{n}@example.com") for n in range(31)]
    assert [page.status_code for page in pages] == [422] * 30 + [429]
    assert new_visitor(address="198.51.100.21").sign_in(email="user99@example.com").status_code == 422


def test_an_ipv6_network_counts_as_one_address(new_visitor):
    pages = [new_visitor(address=f"2001:db8:7:7::{n:x}").sign_in(email=f"user{n}@example.com") for n in range(31)]
    assert pages[-1].status_code == 429
    assert new_visitor(address="2001:db8:7:8::1").sign_in(email="user99@example.com").status_code == 422


def test_a_right_password_does_not_count_against_the_email(verified, new_visitor, outbox):
    for _ in range(12):
        visitor = new_visitor()
        assert visitor.sign_in().context["step"] == "code"


def test_a_hundred_wrong_passwords_in_a_row_lock_the_email_until_a_code_clears_it(settings, outbox, clock, caplog):
    unthrottled = replace(settings, password_failures_per_email=0, password_failures_per_address=0)
    with TestClient(create_app(unthrottled, sender=outbox, clock=clock)) as running:
        jenny = Visitor(browser(running, "198.51.100.31"), htmx=True)
        jenny.sign_up()
        jenny.enter_code(outbox.last_code())
        jenny.sign_out()
        guesser = Visitor(browser(running, "198.51.100.31"), htmx=True)  # not a browser Jenny's code made known
        for email, account in ((JENNY["email"], "1"), ("nobody@example.com", "unknown")):
            pages = [guesser.sign_in(email=email, password=f"guess {n}") for n in range(101)]
            assert [page.status_code for page in pages] == [422] * 100 + [429]
            assert "too many wrong passwords for this email" in words(pages[-1])
            assert "Retry-After" not in pages[-1].headers
            refused = [record.getMessage() for record in caplog.records if "password refused" in record.getMessage()]
            assert refused[-1] == f"password refused: account={account} address=198.51.100.31 reason=locked"
        clock.advance(30 * 24 * 3600)
        assert guesser.sign_in().status_code == 429  # time alone does not clear it
        assert jenny.sign_in().context["step"] == "code"  # her own browser never was locked out


def test_every_refused_password_is_logged_without_the_password(verified, new_visitor, caplog):
    caplog.set_level(logging.WARNING)
    visitor = new_visitor(address="198.51.100.30")
    visitor.sign_in(password="a wrong guess")
    visitor.sign_in(email="nobody@example.com", password="another guess")
    throttled = [visitor.sign_in(password=f"guess {n}") for n in range(10)][-1]
    lines = [record.getMessage() for record in caplog.records if "password refused" in record.getMessage()]
    assert lines[:2] == [
        "password refused: account=1 address=198.51.100.30 reason=wrong",
        "password refused: account=unknown address=198.51.100.30 reason=wrong",
    ]
    assert throttled.status_code == 429 and lines[-1] == (
        f"password refused: account=1 address=198.51.100.30 reason=throttled retry_after={throttled.headers['Retry-After']}"
    )
    assert "a wrong guess" not in caplog.text and "another guess" not in caplog.text


def test_resuming_a_signup_is_a_throttled_password_check(htmx_visitor, new_visitor):
    htmx_visitor.sign_up()
    pages = [new_visitor(address=f"198.51.100.{n}").sign_up(password=f"not my password {n}") for n in range(11)]
    assert [page.status_code for page in pages] == [422] * 10 + [429]
    assert "Too many tries for this email." in words(pages[-1])


def test_an_unknown_email_takes_as_long_as_a_wrong_password(settings, outbox, clock):
    """bcrypt runs either way; measured, not assumed (cost 8: hashing dominates)."""
    costly = replace(settings, bcrypt_rounds=8, password_failures_per_email=0, password_failures_per_address=0)
    with TestClient(create_app(costly, sender=outbox, clock=clock)) as running:
        jenny = Visitor(browser(running), htmx=True)
        jenny.sign_up()
        timings = {"unknown": [], "wrong": []}
        for n in range(15):
            for kind, email in (("unknown", f"nobody{n}@example.com"), ("wrong", JENNY["email"])):
                started = time.perf_counter()
                assert jenny.sign_in(email=email, password=f"guess {n}").status_code == 422
                timings[kind].append(time.perf_counter() - started)
    # The quickest of each: whatever else the machine runs (the suite's other workers) only adds time.
    unknown, wrong = min(timings["unknown"]), min(timings["wrong"])
    assert abs(unknown - wrong) < 0.25 * max(unknown, wrong), timings


def test_the_password_at_sign_in_starts_a_new_session_whose_forms_need_its_new_token(verified, new_visitor):
    returning = new_visitor()
    before = returning.token
    returning.sign_in()
    assert returning.token != before
    stale = returning.client.post("/code", data={"csrf_token": before, "code": "000000"}, headers=returning.headers)
    assert stale.status_code == 403


@pytest.mark.parametrize("typed", ["émile.zola@example.com", "ÉMILE.ZOLA@EXAMPLE.COM", "Émile.Zola@example.com"])
def test_an_email_with_a_capital_beyond_ascii_is_one_mailbox_in_any_case(new_visitor, outbox, typed):
    """SQLite's own lower() folds ASCII only: "Émile" once verified and never signed in."""
    owner = new_visitor()
    owner.sign_up(email="Émile.Zola@example.com")
    owner.enter_code(outbox.last_code())
    owner.sign_out()
    assert owner.sign_in(email=typed).context["step"] == "code"
    again = new_visitor(address="198.51.100.31").sign_up(email=typed)
    assert again.status_code == 422 and "This email is already registered." in words(again)


def test_a_wrong_password_is_typed_again_where_focus_goes(verified, new_visitor):
    laptop = new_visitor()
    page = laptop.sign_in(password="not my password")
    assert page.status_code == 422 and page.context["errors"] == {"password": "The email or password is not right."}
    password = re.search(r'<input id="password"[^>]*>', page.text).group(0)
    assert "autofocus" in password and 'value="jenny@example.com"' in page.text  # the email stays
