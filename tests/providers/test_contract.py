"""Our Twilio clients against Twilio's OpenAPI specs: the checker itself, and
our parsing of the specs' own example responses."""

import json
from dataclasses import replace

import httpx
import pytest

from components.providers.factory import make_sender
from components.providers.http import ProviderHttp
from components.providers.interface import (
    Approved,
    Expired,
    Message,
    RateLimited,
    Receipt,
    SendFailed,
    Sent,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)
from components.providers.twilio_sms import TwilioSender
from components.providers.twilio_verify import TwilioVerifyVerifier
from components.storage.users import User
from providers import contract
from routes.steps import LINKS

pytestmark = pytest.mark.anyio
ACCOUNT = "AC" + "a" * 32
SERVICE = "VA" + "a" * 32
VERIFICATIONS = f"/v2/Services/{SERVICE}/Verifications"
BASIC = "Basic QUM6dG9rZW4="
USER = User(1, "a@example.com", "A", "x", "+15017122661", "US", 0.0, None, None)


def test_a_conforming_request_has_no_violations():
    assert contract.violations("POST", VERIFICATIONS, contract.FORM, {"To": ["+1"], "Channel": ["sms"]}, BASIC) == []


@pytest.mark.parametrize(
    ("path", "content_type", "form", "authorization", "problem"),
    [
        (VERIFICATIONS, "application/json", {"To": ["+1"], "Channel": ["sms"]}, BASIC, "the spec wants"),
        (VERIFICATIONS, contract.FORM, {"Channel": ["sms"]}, BASIC, "required field To is missing"),
        (f"{VERIFICATIONS}/+15017122661", contract.FORM, {"Status": ["paused"]}, BASIC, "is not one of"),
        (VERIFICATIONS, contract.FORM, {"To": ["+1"], "Channel": ["sms"], "Cod": ["1"]}, BASIC, "not in the spec"),
        (VERIFICATIONS, contract.FORM, {"To": ["+1", "+2"], "Channel": ["sms"]}, BASIC, "is repeated"),
        (VERIFICATIONS, contract.FORM, {"To": ["+1"], "Channel": ["sms"]}, "", "no HTTP Basic credentials"),
        ("/v2/Services/XX1/Verifications", contract.FORM, {"To": ["+1"], "Channel": ["sms"]}, BASIC, "does not match"),
        ("/v2/Services/VA1/Nowhere", contract.FORM, {}, BASIC, "no such operation"),
    ],
)
def test_the_checker_catches_what_the_spec_refuses(path, content_type, form, authorization, problem):
    found = contract.violations("POST", path, content_type, form, authorization)
    assert any(problem in line for line in found), found


def _answering(status: int, body: dict, headers: dict | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers))
    )


def _verify(client: httpx.AsyncClient) -> TwilioVerifyVerifier:
    return TwilioVerifyVerifier(
        ProviderHttp(client, "twilio-verify"),
        account_sid=ACCOUNT,
        auth_token="token",
        service_sid=SERVICE,
        base_url="https://verify.test",
    )


def _example(method: str, path: str, status: str, name: str | None = None) -> dict:
    operation, _ = contract.find(method, path)
    return operation.example(status, name)


async def test_verify_start_reads_the_spec_example():
    example = _example("POST", VERIFICATIONS, "201", "createVerification")
    async with _answering(201, example) as client:
        assert await _verify(client).start(USER, "sms") == Sent("sms")


async def test_verify_rate_limit_example_becomes_a_wait():
    example = _example("POST", VERIFICATIONS, "429")
    async with _answering(429, example, {"Retry-After": "120"}) as client:
        assert await _verify(client).start(USER, "sms") == RateLimited(120)


@pytest.mark.parametrize("retry_after", ["²", "9" * 5000, "-5", "soon"])
async def test_a_retry_after_that_is_no_plain_number_is_a_wait_of_a_minute(retry_after):
    example = _example("POST", VERIFICATIONS, "429")
    async with _answering(429, example, {"Retry-After": retry_after.encode("latin-1")}) as client:
        assert await _verify(client).start(USER, "sms") == RateLimited(60)


@pytest.mark.parametrize("status", ["201", "200"])
async def test_verify_check_reads_the_spec_examples(status):
    example = _example("POST", f"/v2/Services/{SERVICE}/VerificationCheck", status)
    assert example["status"] == "approved"
    async with _answering(int(status), example) as client:
        assert await _verify(client).check(USER, "123456") == Approved()
    pending = {**example, "status": "pending", "valid": False}
    async with _answering(int(status), pending) as client:
        assert await _verify(client).check(USER, "123456") == WrongCode(None)


@pytest.mark.parametrize(
    ("status", "code", "outcome"),
    [(429, 60202, TooManyAttempts()), (404, 20404, Expired()), (400, 60200, Expired()), (503, 0, Unavailable())],
)
async def test_verify_check_errors_become_outcomes(status, code, outcome):
    envelope = {"code": code, "message": "m", "more_info": "https://www.twilio.com/docs/errors", "status": status}
    async with _answering(status, envelope) as client:
        assert await _verify(client).check(USER, "123456") == outcome


@pytest.mark.parametrize("name", ["create", "createWithMessagingService", "createWithQueuedStatus"])
async def test_messages_accepts_the_spec_examples(name):
    example = _example("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json", "201", name)
    requests = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(201, json=example)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        sender = TwilioSender(
            client,
            account_sid=ACCOUNT,
            auth_token="token",
            base_url="https://api.test",
            messaging_service_sid="MG" + "b" * 32,
        )
        await sender.send(Message("+15017122661", "hello"))
    form = {name: [value] for name, value in httpx.QueryParams(requests[0].content.decode()).items()}
    assert (
        contract.violations(
            "POST",
            requests[0].url.path,
            requests[0].headers["content-type"],
            form,
            requests[0].headers["authorization"],
        )
        == []
    )


async def test_messages_go_from_the_service_or_the_number_with_one_status_callback_url():
    requests = []
    transport = httpx.MockTransport(lambda request: requests.append(request) or httpx.Response(201, json={}))
    async with httpx.AsyncClient(transport=transport) as client:
        for chosen in ({"messaging_service_sid": "MG" + "b" * 32}, {"from_number": "+15005550006"}):
            sender = TwilioSender(
                client,
                account_sid=ACCOUNT,
                auth_token="token",
                base_url="https://api.test",
                status_callback="https://app.example/webhooks/twilio/status",
                **chosen,
            )
            await sender.send(Message("+15017122661", "hello"))
    service, number = (dict(httpx.QueryParams(request.content.decode())) for request in requests)
    assert service["MessagingServiceSid"] == "MG" + "b" * 32 and "From" not in service
    assert number["From"] == "+15005550006" and "MessagingServiceSid" not in number
    assert service["StatusCallback"] == "https://app.example/webhooks/twilio/status"


@pytest.mark.parametrize("public_url", ["https://app.example", "https://app.example/"])
async def test_the_status_callback_is_the_public_url_and_the_route_tables_path_with_one_slash(settings, public_url):
    chosen = replace(settings, sms_provider="twilio", twilio_account_sid=ACCOUNT, public_url=public_url)
    async with httpx.AsyncClient() as client:
        sender = make_sender(chosen, client, LINKS.twilio_status)
        unreachable = make_sender(replace(chosen, public_url=""), client, LINKS.twilio_status)
    assert sender.callback == {"StatusCallback": "https://app.example/webhooks/twilio/status"}
    assert unreachable.callback == {}


async def test_a_messaging_service_alone_refuses_a_call_for_good_without_asking_twilio():
    """A call needs our own number to come from: without one, Twilio hears nothing."""
    requests = []
    transport = httpx.MockTransport(lambda request: requests.append(request) or httpx.Response(201, json={}))
    async with httpx.AsyncClient(transport=transport) as client:
        sender = TwilioSender(
            client, account_sid=ACCOUNT, auth_token="token", base_url="https://api.test", messaging_service_sid="MG1"
        )
        with pytest.raises(SendFailed) as failed:
            await sender.send(Message("+15017122661", "hello", channel="call"))
    assert failed.value.may_retry is False and "needs TWILIO_NUMBER" in str(failed.value) and requests == []


async def test_messages_error_envelope_becomes_send_failed():
    envelope = {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
    async with _answering(400, envelope) as client:
        sender = TwilioSender(
            client, account_sid=ACCOUNT, auth_token="token", base_url="https://api.test", from_number="+15005550006"
        )
        with pytest.raises(SendFailed) as failed:
            await sender.send(Message("+15017122661", "hello"))
    assert "21211" in str(failed.value) and json.dumps(envelope) not in str(failed.value)


def _messages(client: httpx.AsyncClient, status_callback: str = "") -> TwilioSender:
    return TwilioSender(
        client,
        account_sid=ACCOUNT,
        auth_token="token",
        base_url="https://api.test",
        from_number="+15005550006",
        status_callback=status_callback,
    )


async def test_messages_receipt_is_twilios_sid_and_status_and_says_whether_callbacks_follow():
    answer = {"sid": "SM" + "c" * 32, "status": "accepted"}  # a Messaging Service's first status
    async with _answering(201, answer) as client:
        followed = await _messages(client, status_callback="https://app.example/webhooks/twilio/status").send(
            Message("+15017122661", "hi")
        )
        unfollowed = await _messages(client).send(Message("+15017122661", "hi"))
    assert followed == Receipt("SM" + "c" * 32, "accepted", followed=True)
    assert unfollowed == Receipt("SM" + "c" * 32, "accepted", followed=False)


async def test_a_messages_answer_without_sid_or_status_is_a_queued_text_with_no_sid():
    """No sid: no callback can be matched to it, and none is stored as if it were one."""
    async with _answering(201, {}) as client:
        assert await _messages(client).send(Message("+15017122661", "hi")) == Receipt("", "queued", followed=False)


@pytest.mark.parametrize(("status", "may_retry"), [(400, False), (404, False), (429, True), (503, True)])
async def test_a_text_messages_refused_may_be_tried_again_only_when_the_fault_may_pass(status, may_retry):
    envelope = {"code": 20001, "message": "m", "status": status}
    async with _answering(status, envelope, {"Retry-After": "3600"}) as client:
        with pytest.raises(SendFailed) as failed:
            await _messages(client).send(Message("+15017122661", "hi"))
    assert failed.value.may_retry is may_retry
