"""Twilio's status callbacks: signed ones move a text's status forward (never
back, and twice is once), forged or unsigned ones get 403 and change nothing.
The fake posts nothing itself: it records each callback Twilio would send,
signed, and the tests deliver them, in order, out of order or twice."""

import pytest
from support import JENNY_E164, words

PUBLIC_URL = "https://signup.example.com"
STATUS_CALLBACK = "/webhooks/twilio/status"  # where the app asks Twilio to report


@pytest.fixture
def twilio_app(open_app):
    """Local codes texted through Twilio Messages, with callbacks to the public address."""
    return open_app("local", "twilio", public_url=PUBLIC_URL)


def post(visitor, callback, *, signature=None, url=STATUS_CALLBACK):
    headers = {"X-Twilio-Signature": callback.signature if signature is None else signature}
    return visitor.client.post(url, data=callback.params, headers=headers)


def delivery_shown(visitor) -> str:
    """The delivery status as a reload shows it (no JavaScript needed)."""
    page = visitor.open()
    found = [line for line in words(page).splitlines() if "delivery-state" in line]
    return found[0] if found else ""


def test_every_text_asks_for_callbacks_at_the_public_address(twilio_app, fake):
    twilio_app.sign_up()
    [sent, delivered] = fake.callbacks
    assert sent.url == delivered.url == f"{PUBLIC_URL}{STATUS_CALLBACK}"


def test_a_text_without_a_public_address_asks_for_no_callbacks_and_shows_no_status(open_app, fake):
    visitor = open_app("local", "twilio")
    visitor.sign_up()
    assert fake.callbacks == []
    assert "delivery" not in words(visitor.open())


def test_the_code_step_shows_sending_then_delivered_as_callbacks_come(twilio_app, fake, clock):
    twilio_app.sign_up()
    assert "Sending the text…" in delivery_shown(twilio_app)
    sent, delivered = fake.callbacks
    assert post(twilio_app, sent).status_code == 204
    assert "Sending the text…" in delivery_shown(twilio_app)  # handed to the carrier, not yet received
    assert post(twilio_app, delivered).status_code == 204
    assert "Delivered" in delivery_shown(twilio_app) and " UTC</time>" in delivery_shown(twilio_app)


def test_an_undelivered_code_text_says_so_and_offers_a_call_where_there_is_one(open_app, fake):
    fake.unreachable.add(JENNY_E164)
    visitor = open_app("local", "twilio", public_url=PUBLIC_URL)
    visitor.sign_up()
    for callback in fake.callbacks:
        assert post(visitor, callback).status_code == 204
    assert "Your carrier couldn't deliver the text. We can call you instead." in delivery_shown(visitor)


def test_with_a_messaging_service_alone_no_call_is_offered(open_app, fake):
    """A call comes from our own number: a Messaging Service only texts."""
    fake.unreachable.add(JENNY_E164)
    visitor = open_app("local", "twilio", public_url=PUBLIC_URL, twilio_number="", twilio_messaging_service_sid="MG1")
    visitor.sign_up()
    for callback in fake.callbacks:
        assert post(visitor, callback).status_code == 204
    assert "Check the number below, or use a different one." in delivery_shown(visitor)


def test_a_late_callback_never_overwrites_a_final_status(twilio_app, fake):
    twilio_app.sign_up()
    sent, delivered = fake.callbacks
    assert post(twilio_app, delivered).status_code == 204
    assert post(twilio_app, sent).status_code == 204  # arrives last
    assert "Delivered" in delivery_shown(twilio_app)


def test_the_same_callback_twice_is_applied_once(twilio_app, fake, caplog):
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    with caplog.at_level("INFO"):
        assert post(twilio_app, delivered).status_code == 204
        assert post(twilio_app, delivered).status_code == 204
    changes = [record.getMessage() for record in caplog.records if "text status:" in record.getMessage()]
    assert [line.endswith("changed=True") for line in changes] == [True, False]


@pytest.mark.parametrize(
    "signature", ["", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "not base64 at all"], ids=["missing", "another's", "garbage"]
)
def test_a_callback_not_signed_by_twilio_gets_403_and_changes_nothing(twilio_app, fake, signature):
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    answer = post(twilio_app, delivered, signature=signature)
    assert answer.status_code == 403
    assert "Sending the text…" in delivery_shown(twilio_app)


def test_a_signed_callback_with_a_changed_parameter_gets_403(twilio_app, fake):
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    delivered.params["MessageStatus"] = "undelivered"
    assert post(twilio_app, delivered).status_code == 403
    assert "Sending the text…" in delivery_shown(twilio_app)


def test_a_signature_for_another_address_gets_403(twilio_app, fake):
    """Signed for this app, but posted to another path: the URL is part of what is signed."""
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    signature = fake.sign(f"{PUBLIC_URL}/elsewhere", delivered.params)
    assert post(twilio_app, delivered, signature=signature).status_code == 403


def test_the_webhook_needs_no_csrf_token_and_sets_no_cookie(twilio_app, fake):
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    answer = post(twilio_app, delivered)
    assert answer.status_code == 204 and "set-cookie" not in answer.headers


def test_a_text_twilio_could_not_send_at_all_reads_as_undelivered(twilio_app, fake):
    """`failed`: Twilio itself could not send it (e.g. 30008), as opposed to the carrier refusing it."""
    twilio_app.sign_up()
    _, delivered = fake.callbacks
    params = {**delivered.params, "MessageStatus": "failed", "SmsStatus": "failed", "ErrorCode": "30008"}
    callback = type(delivered)(delivered.url, params, fake.sign(delivered.url, params))
    assert post(twilio_app, callback).status_code == 204
    assert "Your carrier couldn't deliver the text." in delivery_shown(twilio_app)


@pytest.mark.parametrize("error_code", ["30003" * 40, "ünïcödé-error", ""])
def test_a_signed_callback_is_taken_whatever_its_error_code_holds(twilio_app, fake, error_code):
    """Twilio's values are stored, cut to what is kept, or left out: never an error."""
    from components.web.twilio_webhooks import twilio_signature

    twilio_app.sign_up()
    _, delivered = fake.callbacks
    params = {**delivered.params, "MessageStatus": "undelivered", "ErrorCode": error_code}
    signature = twilio_signature(fake.auth_token, delivered.url, params)
    answer = twilio_app.client.post(STATUS_CALLBACK, data=params, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 204
    assert "Your carrier couldn't deliver the text." in delivery_shown(twilio_app)
