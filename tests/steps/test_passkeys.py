"""Passkeys over HTTP (routes/passkeys.py), answered by a software authenticator that
can misbehave: adding one, signing in with it alone, confirming a change with it, and
every answer that must be refused without changing anything. The browser's side (the
WebAuthn calls, autofill) is tests/browser/test_passkeys.py, with Chromium's own."""

import logging
from dataclasses import replace

import pytest
import sqlalchemy as sa
from authenticator import Authenticator, add_passkey, b64, for_app, options, sign_in_with
from starlette.testclient import TestClient
from support import JENNY_E164, Visitor, browser, words

from app import create_app
from components.storage.database import passkeys

CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
NOT_CHECKED = "We couldn't check that passkey, so nothing was changed. Try again."
NOT_HERE = "This passkey can't sign you in here: it was removed, or its account is closed."


@pytest.fixture
def authenticator(server) -> Authenticator:
    return for_app(server)


def stored(server) -> list[dict]:
    db = server.app.state.services.users.db
    return [dict(row._mapping) for row in server.portal.call(db.fetch_all, sa.select(passkeys))]


@pytest.fixture
def with_passkey(verified_visitor, authenticator):
    """A verified account with one passkey, signed out of this browser."""
    add_passkey(verified_visitor, authenticator)
    verified_visitor.sign_out()
    return verified_visitor


def test_a_passkey_added_is_named_after_the_browser_listed_and_texted_to_the_number(
    verified_visitor, authenticator, outbox, server
):
    verified_visitor.client.headers["User-Agent"] = CHROME_ON_ANDROID
    page = add_passkey(verified_visitor, authenticator)
    assert page.context["step"] == "passkeys"
    assert "Your passkey Chrome on Android is added. Next time, sign in with it." in words(page)
    assert "Chrome on Android" in words(verified_visitor.open("/"))  # listed on the account page
    assert outbox.messages(JENNY_E164)[-1]["body"] == (
        "A passkey (Chrome on Android) was added to your Account Verification account. If this wasn't you, "
        "remove it from your account page now and change your password: localhost"
    )
    [row] = stored(server)
    assert row["user_id"] and row["public_key"] and row["credential_id"]  # the public key only: nothing secret is kept


def test_a_new_account_is_offered_a_passkey_once_right_after_its_signup(visitor, outbox):
    visitor.sign_up()
    page = visitor.enter_code(outbox.last_code())
    assert page.context["step"] == "account" and "Sign in faster next time" in words(page)
    assert 'action="/account/passkeys/add"' in page.text
    assert "Sign in faster next time" not in words(visitor.open("/"))


def test_a_passkey_signs_in_alone_with_no_password_and_no_text(with_passkey, authenticator, outbox):
    texts = len(outbox.messages(JENNY_E164))
    page = sign_in_with(with_passkey, authenticator)
    assert page.context["step"] == "account" and "Hi there Jenny Tutone!" in words(page)
    assert len(outbox.messages(JENNY_E164)) == texts
    assert "last used on" in words(with_passkey.open("/"))


def test_a_passkey_can_be_renamed_and_an_empty_name_is_refused(verified_visitor, authenticator, server):
    add_passkey(verified_visitor, authenticator)
    credential_id = stored(server)[0]["credential_id"]
    page = verified_visitor.post("/account/passkeys/rename", {"credential_id": credential_id, "name": "  "})
    assert page.status_code == 422 and "Give the passkey a name." in words(page)
    page = verified_visitor.post("/account/passkeys/rename", {"credential_id": credential_id, "name": " Work  laptop "})
    assert "The passkey is now called Work laptop." in words(page)
    assert stored(server)[0]["name"] == "Work laptop"


def test_a_removed_passkey_no_longer_signs_in(verified_visitor, authenticator, server):
    add_passkey(verified_visitor, authenticator)
    credential_id = stored(server)[0]["credential_id"]
    page = verified_visitor.post("/account/passkeys/remove", {"credential_id": credential_id})
    assert "it can no longer sign you in" in words(page) and stored(server) == []
    verified_visitor.sign_out()
    page = sign_in_with(verified_visitor, authenticator)
    assert page.status_code == 422 and page.context["step"] == "signin" and NOT_HERE in words(page)


def test_a_closed_accounts_passkey_is_refused(with_passkey, authenticator, new_visitor, outbox):
    with_passkey.sign_in()
    with_passkey.enter_code(outbox.last_code())
    with_passkey.post("/account/close", {"confirm": "yes"})
    page = sign_in_with(new_visitor(), authenticator)
    assert page.status_code == 422 and NOT_HERE in words(page)


def test_a_replayed_answer_is_refused(with_passkey, authenticator):
    with_passkey.open("/signin")
    answer = authenticator.get(options(with_passkey, "signin").json())
    assert with_passkey.post("/signin/passkey", {"credential": answer}).context["step"] == "account"
    with_passkey.sign_out()
    page = with_passkey.post("/signin/passkey", {"credential": answer})
    assert page.status_code == 422 and page.context["step"] == "signin" and NOT_CHECKED in words(page)


def test_an_answer_after_five_minutes_is_refused(with_passkey, authenticator, clock):
    with_passkey.open("/signin")
    asked = options(with_passkey, "signin").json()
    assert asked["timeout"] == 300_000
    clock.advance(301)
    page = with_passkey.post("/signin/passkey", {"credential": authenticator.get(asked)})
    assert page.status_code == 422 and NOT_CHECKED in words(page)


def test_an_answer_to_another_browsers_challenge_is_refused(with_passkey, authenticator, new_visitor):
    asked = options(with_passkey, "signin").json()  # asked by one browser...
    other = new_visitor(address="198.51.100.66")
    other.open("/signin")
    page = other.post("/signin/passkey", {"credential": authenticator.get(asked)})  # ...answered from another
    assert page.status_code == 422 and NOT_CHECKED in words(page)
    # ...and an answer to a challenge never made, or to another purpose's, is refused as well
    page = other.post("/signin/passkey", {"credential": authenticator.get({"challenge": "bm90LW1hZGUtaGVyZQ"})})
    assert page.status_code == 422 and NOT_CHECKED in words(page)


@pytest.mark.parametrize(
    "answer", [{"origin": "https://evil.example"}, {"rp_id": "evil.example"}], ids=["origin", "rp-id"]
)
def test_an_answer_for_another_site_is_refused_and_changes_nothing(with_passkey, authenticator, server, answer):
    before = stored(server)
    page = sign_in_with(with_passkey, authenticator, **answer)
    assert page.status_code == 422 and page.context["step"] == "signin" and NOT_CHECKED in words(page)
    assert stored(server) == before


def test_an_answer_naming_another_account_is_refused(with_passkey, authenticator):
    credential_id, (key, _handle) = next(iter(authenticator.credentials.items()))
    authenticator.credentials[credential_id] = (key, b"someone-else")  # the key of one account, the handle of another
    page = sign_in_with(with_passkey, authenticator)
    assert page.status_code == 422 and NOT_CHECKED in words(page)


def test_a_counter_that_goes_back_is_refused_and_logged(with_passkey, authenticator, server, caplog):
    assert sign_in_with(with_passkey, authenticator).context["step"] == "account"  # counted 2
    with_passkey.sign_out()
    caplog.set_level(logging.INFO)
    page = sign_in_with(with_passkey, authenticator, counter=1)  # a clone, behind the original
    assert page.status_code == 422 and NOT_CHECKED in words(page)
    assert "its counter went back" in caplog.text
    credential_id = stored(server)[0]["credential_id"]
    assert credential_id not in caplog.text  # no credential material in the log


def test_a_passkey_that_never_counts_signs_in_every_time(verified_visitor, server):
    synced = for_app(server, counts=False, synced=True)  # as synced passkeys answer: always 0
    add_passkey(verified_visitor, synced)
    for _ in range(2):
        verified_visitor.sign_out()
        assert sign_in_with(verified_visitor, synced).context["step"] == "account"


def test_an_account_keeps_at_most_ten_passkeys(verified_visitor, server):
    for _ in range(10):
        assert "is added" in words(add_passkey(verified_visitor, for_app(server)))
    refused = options(verified_visitor, "register")
    assert refused.status_code == 422
    assert refused.json() == {"error": "Your account has as many passkeys as it can keep. Remove one to add another."}
    assert len(stored(server)) == 10


def test_after_a_while_a_passkey_confirms_a_change_instead_of_the_password(with_passkey, authenticator, clock, outbox):
    with_passkey.sign_in()
    with_passkey.enter_code(outbox.last_code())
    clock.advance(601)
    page = with_passkey.open("/account/mobile")
    assert page.context["reauth"] and 'action="/account/mobile/confirm-passkey"' in page.text
    asked = options(with_passkey, "reauth").json()
    assert [item["id"] for item in asked["allowCredentials"]] == [b64_of(authenticator)]
    page = with_passkey.post("/account/mobile/confirm-passkey", {"credential": authenticator.get(asked)})
    assert page.context["step"] == "new_number" and not page.context["reauth"]
    assert "Thank you, that's you. You can make the change now." in words(page)
    assert 'name="password"' not in page.text


def test_another_accounts_passkey_does_not_confirm_a_change(with_passkey, authenticator, new_visitor, outbox, clock):
    mallory = new_visitor(address="198.51.100.66")
    mallory.sign_up(name="Mallory", email="mallory@example.com", phone="2015550143")
    mallory.enter_code(outbox.last_code("+12015550143"))
    add_passkey(mallory, Authenticator(authenticator.origin, authenticator.rp_id))  # her own
    clock.advance(601)
    mallory.open("/account/close")
    asked = options(mallory, "reauth").json()  # a challenge for Mallory's passkeys, answered with Jenny's
    jennys = next(iter(authenticator.credentials))
    page = mallory.post(
        "/account/close/confirm-passkey", {"credential": authenticator.get(asked, credential_id=jennys)}
    )
    assert page.status_code == 422 and NOT_CHECKED in words(page)
    assert mallory.open("/account/close").context["reauth"]


def test_an_account_without_passkeys_is_offered_none_to_confirm_a_change(verified_visitor, clock):
    clock.advance(601)
    page = verified_visitor.open("/account/close")
    assert page.context["reauth"] and "confirm-passkey" not in page.text
    assert options(verified_visitor, "reauth").json() == {"error": NOT_CHECKED}


def test_a_password_reset_keeps_passkeys_and_the_page_says_what_removes_them(
    with_passkey, authenticator, outbox, settle, server
):
    with_passkey.request_reset()
    settle()
    with_passkey.enter_code(outbox.last_code())
    page = with_passkey.post("/password/new", {"password": "a whole new passphrase"})
    assert page.context["step"] == "account" and len(stored(server)) == 1
    page = with_passkey.open("/account/passkeys")
    assert "A new password does not remove passkeys" in words(page)


def test_without_javascript_every_passkey_control_is_hidden(with_passkey, authenticator):
    pages = [with_passkey.open("/signin")]
    sign_in_with(with_passkey, authenticator)
    pages += [with_passkey.open("/"), with_passkey.open("/account/passkeys")]
    for page in pages:
        controls = page.text.count("data-passkeys ")
        assert controls and page.text.count("data-passkeys hidden") == controls
    assert "This browser can't use passkeys." in words(pages[-1])  # until static/passkeys.js finds WebAuthn


def test_with_passkeys_off_nothing_offers_them(settings, clock, outbox):
    with TestClient(create_app(replace(settings, passkeys="off"), sender=outbox, clock=clock)) as running:
        visitor = Visitor(browser(running), htmx=False)
        page = visitor.open("/signin")
        assert "webauthn" not in page.text and "/signin/passkey" not in page.text
        assert options(visitor, "signin").status_code == 404


def b64_of(authenticator: Authenticator) -> str:
    return b64(next(iter(authenticator.credentials)))
