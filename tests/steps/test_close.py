"""The close step: an explicit confirmation (and the password again after a while),
then the account and its personal data are deleted."""

import sqlalchemy as sa
from support import JENNY, words

from components.storage.database import pending_codes, rate_limits, sessions, users


def _close(visitor, **fields):
    return visitor.post("/account/close", fields)


def test_closing_asks_for_an_explicit_confirmation(verified):
    page = verified.open("/account/close")
    assert page.context["step"] == "close" and 'type="checkbox" id="confirm"' in page.text
    page = _close(verified)
    assert page.status_code == 422
    assert page.context["errors"] == {"confirm": "Tick the box to confirm that you want to close your account"}
    assert verified.open().context["step"] == "account"


def test_a_closed_account_and_its_personal_data_are_gone(verified, new_visitor, outbox, server):
    laptop = new_visitor()
    laptop.sign_in()
    laptop.enter_code(outbox.last_code())
    page = _close(verified, confirm="yes")
    assert page.context["step"] == "signin"
    assert "Your account is closed, and your details are deleted." in words(page)
    assert laptop.open().context["step"] == "signup"
    db = server.app.state.services.users.db
    for table in (users, sessions, pending_codes):
        assert server.portal.call(db.fetch_val, sa.select(sa.func.count()).select_from(table)) == 0
    kept = server.portal.call(db.fetch_all, sa.select(rate_limits.c.key))
    assert all(JENNY["email"] not in row["key"] for row in kept)  # counters by number and address age out
    assert new_visitor().sign_in().status_code == 422
    assert new_visitor(address="198.51.100.4").sign_up().context["step"] == "code"  # the email is free again


def test_after_a_while_closing_asks_for_the_password_again(verified, clock):
    clock.advance(601)
    verified.open()
    page = _close(verified, confirm="yes", password="not my password")
    assert page.status_code == 422 and page.context["errors"] == {"password": "Your password is not right."}
    assert _close(verified, confirm="yes", password=JENNY["password"]).context["step"] == "signin"


def test_every_problem_is_shown_at_once_and_a_ticked_box_stays_ticked(verified_visitor, clock):
    clock.advance(601)  # the password is asked again
    page = _close(verified_visitor)
    assert page.context["errors"] == {
        "confirm": "Tick the box to confirm that you want to close your account",
        "password": "Enter your password",
    }
    page = _close(verified_visitor, confirm="yes")
    assert page.context["errors"] == {"password": "Enter your password"}
    assert 'id="confirm" name="confirm" value="yes" checked' in page.text
    page = _close(verified_visitor, confirm="yes", password="not my password")
    assert page.context["errors"] == {"password": "Your password is not right."}
    assert 'id="confirm" name="confirm" value="yes" checked' in page.text


def test_a_typed_password_is_kept_or_asked_again_when_the_box_was_not_ticked(verified_visitor, clock):
    clock.advance(601)
    page = _close(verified_visitor, password=JENNY["password"])
    retype = "Type your password again. For your security, it is not kept after an error."
    assert ("password" in page.context["errors"]) != verified_visitor.htmx
    assert page.context["errors"].get("password", retype) == retype
    assert ("data-keep" in page.text) == verified_visitor.htmx and JENNY["password"] not in page.text
