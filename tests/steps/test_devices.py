"""The devices page and the account's activity (routes/devices.py, components/flows/devices.py):
every signed-in and remembered browser, each ended on its own; a text for a sign-in from a new
browser; the security events of the last ACTIVITY_DAYS, purged after them and gone with the account."""

import re
from dataclasses import replace

import pytest
import sqlalchemy as sa
from authenticator import add_passkey, for_app
from starlette.testclient import TestClient
from support import JENNY, JENNY_E164, Visitor, browser, words

from app import create_app
from components.durations import DAY
from components.housekeeping import tidy
from components.storage.database import activity, sessions

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
ALERT = "New sign-in to your Account Verification account from Chrome on Windows at"


@pytest.fixture
def laptop(new_visitor):
    """Another browser of the account's owner, on another network."""

    def open_laptop(*, htmx: bool = True):
        visitor = new_visitor(address="198.51.100.7", htmx=htmx)
        visitor.client.headers["User-Agent"] = CHROME_ON_WINDOWS
        return visitor

    return open_laptop


def signed_in(visitor, outbox, **code):
    visitor.sign_in()
    return visitor.post("/code", {"code": outbox.last_code(), **code})


def test_the_devices_page_lists_each_signed_in_browser_and_marks_this_one(verified_visitor, laptop, outbox):
    signed_in(laptop(), outbox)
    page = verified_visitor.open("/account/devices")
    assert page.context["step"] == "devices"
    said = words(page)
    assert said.count("This browser") == 1
    assert "Chrome on Windows" in said and "password and code" in said
    assert 'network <bdi dir="ltr">198.51.100.0/24</bdi>' in said  # the network, never the address
    assert "198.51.100.7" not in page.text
    assert "created the account" in said  # this browser: the signup's
    assert page.text.count('action="/account/devices/sign-out"') == 1  # not this browser's own


def test_signing_out_one_browser_ends_it_at_its_next_request_and_leaves_the_others(
    verified_visitor, laptop, new_visitor, outbox
):
    work = laptop()
    signed_in(work, outbox)
    phone = new_visitor(address="198.51.100.9")
    signed_in(phone, outbox)
    page = verified_visitor.open("/account/devices")
    [work_id] = [s.public_id for s in page.context["signed_in"] if s.device == "Chrome on Windows"]
    page = verified_visitor.post("/account/devices/sign-out", {"session": work_id})
    assert page.context["step"] == "devices" and "That browser is signed out." in words(page)
    ended = work.open()
    assert ended.context["step"] == "signin" and "signed out here by another browser" in words(ended)
    assert phone.open().context["step"] == "account" and verified_visitor.open().context["step"] == "account"
    again = verified_visitor.post("/account/devices/sign-out", {"session": work_id})
    assert again.status_code == 422 and "That browser is already signed out." in words(again)


def test_another_accounts_browser_cannot_be_signed_out_from_here(verified_visitor, new_visitor, outbox):
    mallory = new_visitor(address="198.51.100.66")
    mallory.sign_up(name="Mallory", email="mallory@example.com", phone="2015550143")
    mallory.enter_code(outbox.last_code("+12015550143"))
    jennys = verified_visitor.open("/account/devices").context["signed_in"][0].public_id
    page = mallory.post("/account/devices/sign-out", {"session": jennys})
    assert page.status_code == 422 and verified_visitor.open().context["step"] == "account"


def test_a_remembered_browser_forgotten_on_the_devices_page_asks_for_a_code_next_time(verified_visitor, laptop, outbox):
    work = laptop()
    signed_in(work, outbox, remember="yes")
    work.sign_out()
    assert work.sign_in().context["step"] == "account"  # remembered: no code
    page = verified_visitor.open("/account/devices")
    [remembered] = page.context["remembered"]
    assert remembered.device == "Chrome on Windows" and "Remembered browsers" in words(page)
    page = verified_visitor.post("/account/devices/forget", {"browser": remembered.id})
    assert "That browser will be asked for a code at its next sign-in." in words(page)
    assert page.context["remembered"] == []
    work.sign_out()
    assert work.sign_in().context["step"] == "code"


def test_signing_out_everywhere_else_keeps_this_browser_and_its_memory(verified_visitor, laptop, new_visitor, outbox):
    verified_visitor.sign_out()
    signed_in(verified_visitor, outbox, remember="yes")  # this browser, remembered
    work = laptop()
    signed_in(work, outbox, remember="yes")
    page = verified_visitor.post("/account/devices/sign-out-others")
    assert "Every other browser is signed out." in words(page)
    assert [s.this for s in page.context["signed_in"]] == [True] and len(page.context["remembered"]) == 1
    assert work.open().context["step"] == "signin"
    assert work.sign_in().context["step"] == "code"  # forgotten
    verified_visitor.sign_out()
    assert verified_visitor.sign_in().context["step"] == "account"  # still remembered


def test_last_seen_is_written_at_most_every_five_minutes(verified, server, clock):
    def seen_at():
        return server.portal.call(server.app.state.services.db.fetch_val, sa.select(sessions.c.seen_at))

    signed_in_at = seen_at()
    clock.advance(200)
    verified.open("/")
    assert seen_at() == signed_in_at  # no write yet
    clock.advance(101)
    verified.open("/")
    assert seen_at() == clock()


def test_a_sign_in_from_a_new_browser_is_texted_once(verified_visitor, laptop, outbox, settle):
    texts = outbox.messages(JENNY_E164)
    assert not any("New sign-in" in text["body"] for text in texts)  # not for the signup
    work = laptop()
    signed_in(work, outbox)
    settle()
    alert = outbox.messages(JENNY_E164)[-1]["body"]
    assert alert.startswith(ALERT) and alert.endswith("UTC. Not you? Reset your password: localhost/password/forgot")
    work.sign_out()
    signed_in(work, outbox)  # the same browser again: known
    settle()
    assert sum("New sign-in" in text["body"] for text in outbox.messages(JENNY_E164)) == 1


def test_a_remembered_browser_and_the_signup_browser_are_not_new(verified_visitor, outbox, settle):
    verified_visitor.sign_out()
    signed_in(verified_visitor, outbox, remember="yes")
    verified_visitor.sign_out()
    verified_visitor.sign_in()
    settle()
    assert not any("New sign-in" in text["body"] for text in outbox.messages(JENNY_E164))


def test_no_new_sign_in_text_when_it_is_turned_off(settings, outbox, clock):
    with TestClient(create_app(replace(settings, notify_new_signin="off"), sender=outbox, clock=clock)) as running:
        outbox.follow(running)
        jenny = Visitor(browser(running), htmx=True)
        jenny.sign_up()
        jenny.enter_code(outbox.last_code())
        laptop = Visitor(browser(running, "198.51.100.7"), htmx=True)
        signed_in(laptop, outbox)
        running.portal.call(running.app.state.services.background.idle)
        assert not any("New sign-in" in text["body"] for text in outbox.messages(JENNY_E164))


def test_the_activity_lists_sign_ins_refusals_and_changes_newest_first(verified_visitor, laptop, outbox, clock, settle):
    work = laptop()
    for _ in range(3):
        clock.advance(1)
        work.sign_in(password="not the password")
    settle()
    clock.advance(1)
    signed_in(work, outbox)
    clock.advance(1)
    verified_visitor.post(
        "/account/password", {"current_password": JENNY["password"], "new_password": "a new passphrase"}
    )
    page = verified_visitor.open("/account/activity")
    said = [line.split(" · ")[0] for line in _events(page)]
    assert said == [
        "Password changed",
        "Signed in on Chrome on Windows with password and code",
        "A wrong password was entered 3 times",
        "Account created on an unknown browser",
    ]
    account = verified_visitor.open("/")
    assert "Recent activity" in words(account) and "Password changed" in words(account)


def test_events_are_purged_after_their_days_and_gone_with_the_account(verified_visitor, server, clock, outbox):
    services = server.app.state.services

    def kept() -> int:
        return server.portal.call(services.db.fetch_val, sa.select(sa.func.count()).select_from(activity))

    assert kept() == 1
    clock.advance(91 * DAY)
    server.portal.call(tidy, services)
    assert kept() == 0
    verified_visitor.sign_out()
    signed_in(verified_visitor, outbox)  # a new event, then the account goes
    assert kept() == 1
    verified_visitor.post("/account/close", {"confirm": "yes"})
    assert kept() == 0


def _events(page) -> list[str]:
    items = re.findall(r"<li><p>(.*?)</p>", page.text.split('<ol class="settings activity">')[1].split("</ol>")[0])
    return [re.sub(r"<[^>]+>", "", item) for item in items]


def test_passkeys_and_a_reset_are_in_the_activity(verified_visitor, server, outbox, settle):
    key = for_app(server)
    add_passkey(verified_visitor, key)
    credential_id = verified_visitor.open("/account/passkeys").context["passkeys"][0].credential_id
    verified_visitor.post("/account/passkeys/remove", {"credential_id": credential_id})
    verified_visitor.sign_out()
    verified_visitor.request_reset()
    settle()
    verified_visitor.enter_code(outbox.last_code())
    verified_visitor.post("/password/new", {"password": "a whole new passphrase"})
    said = _events(verified_visitor.open("/account/activity"))
    assert said[:4] == [
        "Signed in on an unknown browser with password and code",
        "Password reset with a code to your phone",
        "Passkey removed: Passkey",
        "Passkey added: Passkey",
    ]
