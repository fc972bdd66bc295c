"""A call when the text can't arrive, with every provider: Twilio's Calls API with local codes
(the call's whole life on the code step, through the same signed callbacks as texts), the
same limits as texts, and WhatsApp through Verify (where VERIFY_CHANNELS allows it)."""

import logging
import re

import pytest
from support import JENNY_E164, words

from components import metrics

PUBLIC_URL = "https://signup.example.com"
STATUS_CALLBACK = "/webhooks/twilio/status"


@pytest.fixture
def twilio_app(open_app):
    """Local codes by Twilio Messages and Calls, with callbacks to the public address."""
    return open_app("local", "twilio", public_url=PUBLIC_URL)


def post(visitor, callback):
    return visitor.client.post(
        STATUS_CALLBACK, data=callback.params, headers={"X-Twilio-Signature": callback.signature}
    )


def delivery_shown(visitor) -> str:
    found = [line for line in words(visitor.open()).splitlines() if "delivery-state" in line]
    return found[0] if found else ""


def called(visitor, fake, clock):
    """Sign up, then ask for a call once the resend wait is over; the call's callbacks."""
    visitor.sign_up()
    clock.advance(30)
    fake.callbacks.clear()
    page = visitor.resend("call")
    assert page.status_code == 200 and fake.count("calls.create") == 1
    return page


def test_a_twilio_call_says_the_code_twice_digit_by_digit_and_nothing_else(twilio_app, fake, clock, caplog):
    caplog.set_level(logging.DEBUG)
    called(twilio_app, fake, clock)
    [call] = [text for text in fake.sent_to(JENNY_E164) if text.provider == "twilio-calls"]
    code = fake.last_code(JENNY_E164)
    spoken = ", ".join(code)
    assert call.body == f"Your Account Verification verification code is {spoken}. Again: {spoken}."
    assert call.locale == "en-US" and re.findall(r"\d", call.body) == list(code) * 2  # no other number, no link
    assert code not in caplog.text and spoken not in caplog.text  # nor in any log line
    assert twilio_app.enter_code(code).context["step"] == "account"


def test_a_call_is_spoken_in_the_accounts_language(twilio_app, fake, clock):
    twilio_app.speaks("fr")
    called(twilio_app, fake, clock)
    [call] = [text for text in fake.sent_to(JENNY_E164) if text.provider == "twilio-calls"]
    assert call.locale == "fr-FR" and call.body.startswith("Votre code de vérification Account Verification est")


def test_a_calls_whole_life_shows_on_the_code_step(twilio_app, fake, clock):
    called(twilio_app, fake, clock)
    assert 'Calling <span class="nowrap" dir="ltr">+1 201-867-5309</span>' in delivery_shown(twilio_app)
    ringing, answered, completed = fake.callbacks
    said = []
    for callback in (ringing, answered, completed):
        assert post(twilio_app, callback).status_code == 204
        said.append(delivery_shown(twilio_app))
    assert "Your phone is ringing" in said[0] and "Answered: listen for the code" in said[1]
    assert "We called you and read the code." in said[2]
    assert post(twilio_app, ringing).status_code == 204  # late news changes nothing
    assert "We called you and read the code." in delivery_shown(twilio_app)


@pytest.mark.parametrize("end", ["busy", "no-answer"])
def test_a_busy_or_unanswered_call_says_so_with_a_way_on(twilio_app, fake, clock, end):
    (fake.busy if end == "busy" else fake.unanswered).add(JENNY_E164)
    before = metrics.DELIVERIES.labels("call", end)._value.get()
    called(twilio_app, fake, clock)
    for callback in fake.callbacks:
        assert post(twilio_app, callback).status_code == 204
    page = twilio_app.open()
    assert "No answer. Try the call again, or get the code by text instead." in words(page)
    assert 'value="call"' in page.text and 'value="sms"' in page.text  # both ways on
    assert metrics.DELIVERIES.labels("call", end)._value.get() == before + 1
    clock.advance(30)
    assert "We sent a new code" in words(twilio_app.resend("sms"))


def test_calls_count_against_the_same_limits_as_texts(open_app, fake, clock):
    visitor = open_app("local", "twilio", sends_per_number_hour=2)
    visitor.sign_up()  # one text
    clock.advance(30)
    assert "We're calling" in words(visitor.resend("call"))  # one call: the number's two
    clock.advance(30)
    refused = visitor.resend("call")
    assert refused.status_code == 429 and "Too many codes were requested for this number" in words(refused)
    assert fake.count("calls.create") == 1


def test_a_call_waits_out_the_resend_cooldown_like_a_text(twilio_app, fake):
    twilio_app.sign_up()
    refused = twilio_app.resend("call")
    assert refused.status_code == 429 and fake.count("calls.create") == 0


def test_whatsapp_is_offered_only_where_verify_channels_allow_it(open_app):
    assert "Send the code on WhatsApp" not in open_app("twilio-verify").sign_up().text
    offered = open_app("twilio-verify", address="198.51.100.8", verify_channels=("sms", "call", "whatsapp"))
    assert "Send the code on WhatsApp" in offered.sign_up().text
    local = open_app("local", "twilio", address="198.51.100.9", verify_channels=("sms", "call", "whatsapp"))
    assert "Send the code on WhatsApp" not in local.sign_up().text  # no WhatsApp sender of our own


def test_a_code_on_whatsapp_through_verify(open_app, fake, clock, delivered):
    visitor = open_app("twilio-verify", verify_channels=("sms", "whatsapp"))
    visitor.sign_up()
    clock.advance(30)
    page = visitor.resend("whatsapp")
    assert "We sent a new code to +1 201-867-5309 on WhatsApp." in words(page).replace("\u2011", "-")
    assert fake.sent_to(JENNY_E164)[-1].channel == "whatsapp"
    assert visitor.enter_code(delivered.last_code(JENNY_E164)).context["step"] == "account"


def test_a_number_without_whatsapp_is_told_and_can_go_back_to_a_text(open_app, fake, clock):
    fake.no_whatsapp.add(JENNY_E164)
    visitor = open_app("twilio-verify", verify_channels=("sms", "whatsapp"))
    visitor.sign_up()
    clock.advance(30)
    refused = visitor.resend("whatsapp")
    assert refused.status_code == 422
    assert "is not on WhatsApp. Ask for the code by text instead." in words(refused)
    assert "We sent a new code" in words(visitor.resend("sms"))


def test_a_channel_not_offered_is_sent_as_a_text(open_app, fake, clock):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    clock.advance(30)
    visitor.resend("whatsapp")  # not in VERIFY_CHANNELS: a text, as the form's default
    assert fake.sent_to(JENNY_E164)[-1].channel == "sms"
