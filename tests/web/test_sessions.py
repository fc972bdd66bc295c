"""Sessions: the signed cookie, when it ends, and what one visitor can never reach of another."""

import base64
import json
import logging
from dataclasses import replace

from starlette.testclient import TestClient
from support import JENNY, JENNY_E164, words

from app import create_app
from components.storage.database import pending_codes, users


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
    assert set(json.loads(cookie)) <= {
        "sid",
        "uid",
        "pending",
        "iat",
        "seen",
        "synced",
        "auth_at",
        "amr",
        "csrf",
        "step",
        "flash",
    }
    assert code not in cookie and JENNY["password"] not in cookie

    db = server.app.state.services.users.db
    rows = server.portal.call(db.fetch_all, users.select()) + server.portal.call(db.fetch_all, pending_codes.select())
    stored = json.dumps([dict(row._mapping) for row in rows])
    assert JENNY["password"] not in stored and f'"{code}"' not in stored
    assert '"password_hash": "$2b$04$' in stored

    htmx_visitor.enter_code(code)
    logged = caplog.text
    assert logged and code not in logged and JENNY["password"] not in logged and JENNY_E164 not in logged


def test_an_idle_session_ends(verified, clock):
    clock.advance(3599)
    assert verified.open().context["step"] == "account"  # activity keeps it alive
    clock.advance(3599)
    assert verified.open().context["step"] == "account"
    clock.advance(3601)
    assert verified.open().context["step"] == "signup"


def test_a_busy_session_still_ends_after_its_lifetime(verified, clock):
    for _ in range(13):
        clock.advance(3500)
        page = verified.open()
    assert page.context["step"] == "signup"


def test_sign_out_kills_every_copy_of_the_cookie(verified, new_visitor):
    stolen = verified.session()
    verified.sign_out()
    thief = new_visitor()
    thief.replay("session", stolen)
    assert thief.open().context["step"] == "signin"
    assert "Jenny" not in thief.open().text


def test_session_cookie_is_httponly_and_samesite(plain_visitor):
    plain_visitor.client.cookies.clear()
    cookie = plain_visitor.client.get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


def test_production_cookie_is_host_prefixed_and_secure(settings, outbox, clock):
    app = create_app(replace(settings, app_env="production"), sender=outbox, clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/").headers["set-cookie"].lower()
    assert cookie.startswith("__host-session=")
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "domain=" not in cookie


def test_a_cookie_from_before_verification_is_retired_by_it(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up()
    before = htmx_visitor.session()
    htmx_visitor.enter_code(outbox.last_code())
    assert htmx_visitor.open().context["step"] == "account"
    replayed = new_visitor()
    replayed.replay("session", before)
    page = replayed.open()
    assert page.context["step"] == "signin" and "Jenny" not in page.text


def test_a_cookie_from_before_sign_in_is_retired_by_it(verified, new_visitor, outbox):
    returning = new_visitor()
    anonymous, _ = returning.session(), returning.sign_in()
    waiting = returning.session()
    returning.enter_code(outbox.last_code())
    for cookie in (anonymous, waiting):
        replayed = new_visitor()
        replayed.replay("session", cookie)
        assert replayed.open().context["step"] == "signup"


def test_signing_out_here_leaves_other_browsers_signed_in(verified, new_visitor, outbox):
    phone_browser = new_visitor()
    phone_browser.sign_in()
    phone_browser.enter_code(outbox.last_code())
    verified.sign_out()
    assert phone_browser.open().context["step"] == "account"
