"""The code text's delivery on the code step, from the console's own carrier
(no provider account needed): sending, delivered, or not deliverable with a
call offered; asked for again by the page with waits that double, until it
is final; shown on reload without JavaScript; never for a password reset."""

import re

import pytest
from support import JENNY, JENNY_E164, words

HTMX = {"HX-Request": "true"}


def region(page) -> str:
    found = re.search(r'<div id="delivery".*?</div>', words(page), flags=re.S)
    return found.group(0) if found else ""


@pytest.fixture
def carrier(outbox):
    """The console's carrier, slow enough for the step to show the text on its way."""
    outbox.console.delivery_seconds = 1.0  # far longer than a request takes here, even on a busy machine
    return outbox.console


def test_the_code_step_shows_the_text_sending_then_delivered(visitor, carrier, outbox):
    page = visitor.sign_up()
    assert 'role="status"' in region(page) and "Sending the text…" in region(page)
    outbox.settle()  # the carrier reports
    shown = region(visitor.open())  # a reload: no JavaScript needed
    assert re.search(r'Delivered <time datetime="[0-9T:+-]+" data-local-time>\d\d:\d\d UTC</time>', shown)


def test_the_step_asks_again_after_longer_waits_and_stops_once_delivered(htmx_visitor, carrier, outbox):
    page = htmx_visitor.sign_up()
    assert 'hx-get="/code/status?seen=sending&amp;wait=2" hx-trigger="load delay:2s"' in page.text
    unchanged = htmx_visitor.client.get("/code/status?seen=sending&wait=2", headers=HTMX)
    assert 'id="delivery"' not in unchanged.text  # nothing new to announce
    assert 'hx-get="/code/status?seen=sending&amp;wait=4" hx-trigger="load delay:4s"' in unchanged.text
    outbox.settle()
    changed = htmx_visitor.client.get("/code/status?seen=sending&wait=4", headers=HTMX)
    assert 'id="delivery" class="delivery" role="status" hx-swap-oob="innerHTML"' in changed.text
    assert "Delivered" in changed.text
    assert "hx-get" not in changed.text  # final: no more asking


def test_the_waits_stop_growing_at_thirty_seconds(htmx_visitor, carrier):
    htmx_visitor.sign_up()
    answer = htmx_visitor.client.get("/code/status?seen=sending&wait=16", headers=HTMX)
    assert "wait=30" in answer.text
    answer = htmx_visitor.client.get("/code/status?seen=sending&wait=30", headers=HTMX)
    assert "wait=30" in answer.text


def test_the_step_stops_asking_once_the_code_has_expired(htmx_visitor, carrier, clock, server):
    htmx_visitor.sign_up()
    clock.advance(server.app.state.services.settings.code_ttl_seconds + 1)
    answer = htmx_visitor.client.get("/code/status?seen=sending&wait=8", headers=HTMX)
    assert "hx-get" not in answer.text


def test_an_undeliverable_text_says_so_with_the_call_button_next(visitor, outbox):
    outbox.console.undeliverable = frozenset({JENNY_E164})
    visitor.sign_up()
    outbox.settle()  # the carrier reports after the answer
    page = visitor.open()
    shown = region(page)
    assert "Your carrier couldn't deliver the text. We can call you instead." in shown
    after_sentence = words(page).split("We can call you instead.", 1)[1]
    first_control = re.search(
        r"<(button|input|a|select)\b[^>]*>", re.sub(r'<input type="hidden"[^>]*>', "", after_sentence)
    ).group(0)
    assert 'name="channel" value="call"' in first_control  # next in focus order
    page = visitor.resend("call")
    assert "We're calling" in words(page)
    outbox.settle()  # the console's phone rings, is answered, and hangs up
    assert "We called you and read the code." in region(visitor.open())  # the call's progress, not the text's


def test_no_status_ever_shows_the_code(visitor, outbox):
    visitor.sign_up()
    code = outbox.last_code()
    assert code not in region(visitor.open())
    assert code not in visitor.client.get("/code/status?seen=sending&wait=2", headers=HTMX).text


def test_a_password_reset_shows_no_delivery(verified, new_visitor, outbox):
    """Whether a text went out would say whether the email has an account."""
    other = new_visitor()
    page = other.request_reset(JENNY["email"])
    assert page.context["step"] == "code"
    assert region(page) == "" and region(other.open()) == ""
    answer = other.client.get("/code/status?seen=sending&wait=2", headers=HTMX)
    assert answer.status_code == 200 and answer.text == ""


def test_the_status_address_outside_the_code_step_answers_nothing(verified):
    answer = verified.client.get("/code/status?seen=sending&wait=2", headers=HTMX)
    assert answer.status_code == 200 and answer.text == ""


def test_the_status_address_without_htmx_goes_to_the_step(plain_visitor):
    plain_visitor.sign_up()
    answer = plain_visitor.client.get("/code/status", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_with_twilio_verify_the_step_reads_as_before(open_app):
    """Verify reports no delivery per code: nothing is shown that it did not say."""
    visitor = open_app("twilio-verify")
    page = visitor.sign_up()
    assert page.context["step"] == "code" and region(page) == ""


def test_after_an_undelivered_text_only_another_text_waits_for_the_cooldown(htmx_visitor, outbox):
    outbox.console.undeliverable = frozenset({JENNY_E164})
    htmx_visitor.sign_up()
    outbox.settle()  # the carrier reports after the answer
    page = htmx_visitor.open()
    assert "You can ask for a new text in" in words(page)
    assert 'value="sms" class="button button--secondary" aria-describedby="resend-wait"' in page.text
    assert 'value="call" class="button">Call me with a code' in page.text  # the region's: no wait


def test_an_undelivered_text_is_one_state_one_message_one_call_button(visitor, outbox):
    outbox.console.undeliverable = frozenset({JENNY_E164})
    visitor.sign_up()
    outbox.settle()
    said = words(visitor.open())
    assert said.count("Call me with a code") == 1
    assert "We sent a code" not in said and "Check your messages" not in said.split('id="status"')[0]
    assert "Your carrier couldn't deliver the text." in said


def test_a_text_found_undelivered_while_waiting_takes_the_sent_sentence_and_other_call_button(htmx_visitor, outbox):
    outbox.console.delivery_seconds = 0.05
    outbox.console.undeliverable = frozenset({JENNY_E164})
    page = htmx_visitor.sign_up()
    assert 'id="code-lead"' in page.text and 'id="resend-call"' in page.text
    outbox.settle()
    answer = htmx_visitor.client.get("/code/status", params={"seen": "sending", "wait": "2"}, headers=HTMX)
    assert '<p id="code-lead" hx-swap-oob="delete">' in answer.text
    assert '<button id="resend-call" hx-swap-oob="delete">' in answer.text


@pytest.mark.parametrize("wait", ["²", "٣", "9" * 5000, "-1", " 3", "3.5", "0x10", ""])
def test_a_poll_whose_wait_is_no_plain_number_is_answered_from_the_start(htmx_visitor, carrier, wait):
    htmx_visitor.sign_up()
    answer = htmx_visitor.client.get("/code/status", params={"seen": "sending", "wait": wait}, headers=HTMX)
    assert answer.status_code == 200
    assert 'hx-trigger="load delay:2s"' in answer.text  # as if it were the first poll
