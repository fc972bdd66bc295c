"""The real back ends against the loopback fake: the whole flow on each
combination, then each fault a provider can throw at us."""

import logging
import re
from collections import Counter

import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from support import JENNY, JENNY_E164, outbox_round, words

from providers.fake import Fault

COMBINATIONS = [("local", "console"), ("local", "twilio"), ("authy", "twilio"), ("twilio-verify", "twilio")]
REMOTE_VERIFIERS = ["authy", "twilio-verify"]
START = {"authy": "authy.sms", "twilio-verify": "verify.start", "local": "messages.create"}
CHECK = {"authy": "authy.verify", "twilio-verify": "verify.check"}
OTHER = "+14155552671"


@pytest.mark.parametrize(("verify", "sms"), COMBINATIONS, ids=[f"{v}+{s}" for v, s in COMBINATIONS])
def test_the_whole_flow_on_each_combination(open_app, delivered, clock, verify, sms):
    visitor = open_app(verify, sms)
    page = visitor.sign_up()
    assert page.context["step"] == "code" and "Check your messages for the code." in words(page)
    page = visitor.enter_code("9999999")
    assert page.status_code == 422 and "That code is not right." in words(page)
    clock.advance(30)
    assert "We sent a new code to +1 201-867-5309." in words(visitor.resend())
    page = visitor.enter_code(delivered.last_code())
    assert page.context["step"] == "account" and "Hi there Jenny Tutone!" in words(page)
    assert "Your Account Verification account is verified. Welcome aboard!" in delivered.bodies()
    assert visitor.open().context["step"] == "account"


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_verify_and_authy_write_the_code_in_the_accounts_language(open_app, fake, clock, verify):
    visitor = open_app(verify).speaks("fr-FR,fr;q=0.9")
    visitor.sign_up()
    clock.advance(30)
    visitor.resend("call")
    assert [(text.channel, text.locale) for text in fake.sent_to(JENNY_E164)] == [("sms", "fr"), ("call", "fr")]


def test_our_own_code_text_is_in_the_accounts_language(open_app, fake):
    open_app("local").speaks("ar").sign_up()
    body = fake.sent_to(JENNY_E164)[-1].body
    assert body.startswith("رمز التحقق الخاص بك في Account Verification هو ")
    assert body.rsplit("\n", 1)[1].startswith("@")  # the domain line stays last, as browsers read it


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_call_instead_of_a_text(open_app, fake, delivered, clock, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    clock.advance(30)
    assert "We're calling +1 201-867-5309 now" in words(visitor.resend("call"))
    assert fake.sent_to(JENNY_E164)[-1].channel == "call"
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


def test_twilio_calls_from_our_number_and_not_from_a_messaging_service(open_app):
    assert "Call me with a code" in open_app("local", "twilio").sign_up().text
    alone = open_app("local", "twilio", address="198.51.100.8", twilio_number="", twilio_messaging_service_sid="MG1")
    assert "Call me with a code" not in alone.sign_up().text


def test_authy_registers_once_and_again_for_a_new_number(open_app, fake, delivered, clock):
    visitor = open_app("authy")
    visitor.sign_up()
    clock.advance(30)
    visitor.resend()
    assert fake.count("authy.users.new") == 1 and fake.count("authy.sms") == 2
    visitor.different_number()
    clock.advance(30)  # a new number is sent a code as a resend would be
    visitor.set_number(OTHER)
    assert fake.count("authy.users.new") == 2
    assert visitor.enter_code(delivered.last_code(OTHER)).context["step"] == "account"


def test_authy_forgets_a_user_it_lost_and_registers_again(open_app, fake, delivered, clock):
    visitor = open_app("authy")
    visitor.sign_up()
    fake.authy_ids.clear()  # Authy deleted the user
    clock.advance(30)
    assert "We sent a new code to" in words(visitor.resend())  # to the new registration, at once
    assert fake.count("authy.users.new") == 2
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


def test_verify_wrong_checks_run_out_then_a_new_code_works(open_app, fake, delivered, clock):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    answers = [words(visitor.enter_code("000000")) for _ in range(5)]
    assert "That code is not right. 1 attempt left." in answers[3]
    assert "Too many wrong tries" in answers[4]
    assert "Too many wrong tries" in words(visitor.enter_code(delivered.last_code()))
    assert fake.count("verify.check") == 5  # the app stops guesses before Twilio has to
    clock.advance(30)
    visitor.resend()
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


def test_verify_change_of_number_cancels_the_pending_code(open_app, fake, delivered):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    code = delivered.last_code()
    visitor.different_number()
    assert fake.count("verify.update") == 1 and JENNY_E164 not in fake.verifications
    visitor.set_number(JENNY["phone"])
    assert visitor.enter_code(code).status_code == 422


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
def test_a_slow_provider_times_out_and_the_account_stays(open_app, fake, delivered, clock, verify):
    visitor = open_app(verify)
    fake.fail(START[verify], Fault(delay=1.0))
    page = visitor.sign_up()
    assert page.context["step"] == "code"
    assert "provider is not answering" in words(page) and "Your account is saved" in words(page)
    page = visitor.resend()  # a failed send does not start the cooldown
    assert page.status_code == 200
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_on_a_send_is_not_retried(open_app, fake, verify, status):
    visitor = open_app(verify)
    fake.fail(START[verify], Fault(status=status))
    page = visitor.sign_up()
    assert "provider is not answering" in words(page)
    assert fake.count(START[verify]) == 1  # a retry could send a second code
    assert fake.sent_to(JENNY_E164) == []
    assert visitor.open().context["step"] == "code"


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
def test_a_short_429_is_retried_once_after_retry_after(open_app, fake, delivered, waited, verify):
    visitor = open_app(verify)
    fake.fail(START[verify], Fault(status=429, code="20429", retry_after=1))
    page = visitor.sign_up()
    assert "Check your messages for the code." in words(page)
    assert fake.count(START[verify]) == 2 and len(fake.sent_to(JENNY_E164)) == 1
    assert waited == [1]  # as long as Twilio asked


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
def test_a_long_429_tells_the_user_when_to_come_back(open_app, fake, clock, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    clock.advance(30)
    fake.fail(START[verify], Fault(status=429, code="20429", retry_after=120))
    page = visitor.resend()
    assert page.status_code == 429 and page.headers["Retry-After"] == "120"
    assert "Too many codes were requested for this number. Try again in 2 minutes." in words(page)
    assert fake.count(START[verify]) == 2


def test_verify_send_limit_is_reported_in_minutes(open_app, fake, clock):
    # Our own limits out of the way (a range's, and one network's share of it, included).
    visitor = open_app(
        "twilio-verify",
        sends_per_number_hour=0,
        sends_per_number_day=0,
        sends_per_prefix_hour=0,
        conversion_min_percent=0,
    )
    for _ in range(5):
        visitor.sign_up()
        clock.advance(30)
    page = visitor.resend()
    assert page.status_code == 429 and "Try again in 10 minutes." in words(page)


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
def test_bad_credentials_keep_the_account_and_say_the_provider_is_down(open_app, fake, caplog, verify):
    visitor = open_app(verify, authy_api_key="wrong", twilio_auth_token="wrong")
    with caplog.at_level(logging.ERROR, logger="providers"):
        page = visitor.sign_up()
    assert page.context["step"] == "code" and "provider is not answering" in words(page)
    assert "refused our credentials" in caplog.text


@pytest.mark.parametrize("verify", ["local", *REMOTE_VERIFIERS])
def test_a_blocked_destination_asks_for_another_number(open_app, fake, delivered, verify):
    fake.blocked.add(JENNY_E164)
    visitor = open_app(verify)
    page = visitor.sign_up()
    assert "We can't text a code to +1 201-867-5309. Use a different number." in words(page)
    assert visitor.open().context["step"] == "code"
    visitor.different_number()
    visitor.set_number(OTHER)
    assert visitor.enter_code(delivered.last_code(OTHER)).context["step"] == "account"


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_landline_is_offered_a_call(open_app, fake, delivered, clock, verify):
    fake.landlines.add(JENNY_E164)
    visitor = open_app(verify)
    page = visitor.sign_up()
    assert "We can't text a code to +1 201-867-5309. Try a call, or use a different number." in words(page)
    visitor.resend("call")
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_check_is_retried_once_after_a_503(open_app, fake, delivered, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    fake.fail(CHECK[verify], Fault(status=503))
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"
    assert fake.count(CHECK[verify]) == 2


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_check_that_keeps_failing_keeps_the_step(open_app, fake, delivered, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    fake.fail(CHECK[verify], Fault(status=503), Fault(status=503))
    page = visitor.enter_code(delivered.last_code())
    assert page.status_code == 503 and page.context["step"] == "code"
    assert "We couldn't check the code just now." in words(page)
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_call_to_a_blocked_number_asks_for_another_number(open_app, fake, clock, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    fake.blocked.add(JENNY_E164)
    clock.advance(30)
    page = visitor.resend("call")
    assert "We can't call +1 201-867-5309 with a code. Use a different number." in words(page)


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_call_the_provider_does_not_answer_says_so(open_app, fake, clock, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    fake.fail(START[verify].replace("sms", "call"), *[Fault(status=503)] * 3)
    clock.advance(30)
    page = visitor.resend("call")
    assert page.status_code == 503
    assert (
        "Our phone call provider is not answering, so no code was sent to +1 201-867-5309. "
        "Your account is saved: ask for a new code in a moment, or use a different number."
    ) in words(page)


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_a_check_the_provider_could_not_judge_uses_up_no_try(open_app, fake, delivered, verify):
    visitor = open_app(verify)
    visitor.sign_up()
    for _ in range(4):
        visitor.enter_code("0000000")
    fake.fail(CHECK[verify], Fault(status=503), Fault(status=503))
    assert visitor.enter_code(delivered.last_code()).status_code == 503
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"  # the fifth try, still there


def test_a_confirmation_text_twilio_fails_with_a_5xx_goes_out_on_a_later_round(open_app, fake, delivered, clock):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    fake.fail("messages.create", Fault(status=500))
    page = visitor.enter_code(delivered.last_code())
    assert page.context["step"] == "account"
    assert not [body for body in delivered.bodies() if "Welcome aboard" in body]
    clock.advance(visitor.client.app.state.services.settings.outbox_retry_seconds)
    assert outbox_round(visitor.client) == 1
    assert len([body for body in delivered.bodies() if "Welcome aboard" in body]) == 1


def test_a_confirmation_text_twilio_refuses_outright_is_not_tried_again(open_app, fake, delivered, clock, caplog):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    fake.fail("messages.create", Fault(status=400, code="21610"))  # the number sent STOP
    assert visitor.enter_code(delivered.last_code()).context["step"] == "account"
    delivered.settle()
    assert "text not sent, given up" in caplog.text
    clock.advance(24 * 3600)
    assert outbox_round(visitor.client) == 0
    assert fake.count("messages.create") == 1


@pytest.mark.parametrize(("verify", "sms"), COMBINATIONS[1:], ids=[f"{v}+{s}" for v, s in COMBINATIONS[1:]])
def test_one_log_line_per_provider_call_and_no_secrets(open_app, fake, delivered, caplog, verify, sms):
    visitor = open_app(verify, sms)
    with caplog.at_level(logging.INFO):
        visitor.sign_up()
        visitor.enter_code(delivered.last_code())
        delivered.settle()
    lines = [record.getMessage() for record in caplog.records if record.name == "providers"]
    assert len(lines) == len(fake.calls)
    assert all(line.startswith("provider=") and " op=" in line and " latency_ms=" in line for line in lines)
    for secret in (delivered.last_code(), fake.auth_token, fake.authy_key, JENNY_E164, JENNY["password"]):
        assert secret not in caplog.text


CALLS = {
    "authy": [
        "authy users.new",
        "authy sms.send",
        "authy sms.send",
        "authy token.verify",
        "twilio-messages messages.create",
    ],
    "twilio-verify": [
        "twilio-verify verification.start",
        "twilio-verify verification.cancel",
        "twilio-verify verification.start",
        "twilio-verify verification.check",
        "twilio-messages messages.create",
    ],
}


def provider_calls() -> Counter[str]:
    """Calls by provider and operation, summed over every process as Prometheus reads them."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    calls: Counter[str] = Counter()
    for family in registry.collect():
        for sample in family.samples:
            if sample.name == "av_provider_request_seconds_count":
                calls[f"{sample.labels['provider']} {sample.labels['operation']}"] += int(sample.value)
    return calls


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
def test_an_operator_sees_each_provider_call_by_provider_and_operation(open_app, delivered, clock, caplog, verify):
    visitor = open_app(verify)
    before = provider_calls()
    with caplog.at_level(logging.INFO, logger="providers"):
        visitor.sign_up()
        visitor.different_number()
        clock.advance(30)
        visitor.set_number(JENNY["phone"])
        visitor.enter_code(delivered.last_code())
        delivered.settle()
    logged = [re.match(r"provider=(\S+) op=(\S+) ", record.getMessage()) for record in caplog.records]
    assert [" ".join(found.groups()) for found in logged if found] == CALLS[verify]
    assert provider_calls() - before == Counter(CALLS[verify])


def test_a_wrong_authy_code_is_not_reported_as_refused_credentials(open_app, delivered, caplog):
    visitor = open_app("authy")
    visitor.sign_up()
    with caplog.at_level(logging.ERROR, logger="providers"):
        assert "That code is not right." in words(visitor.enter_code("9999999"))
    assert "refused our credentials" not in caplog.text


@pytest.mark.parametrize("verify", REMOTE_VERIFIERS)
@pytest.mark.parametrize(("retry_after", "wait", "said"), [(120, "120", "2 minutes"), (None, "60", "1 minute")])
def test_a_provider_429_on_a_check_says_when_to_try_again(open_app, fake, delivered, verify, retry_after, wait, said):
    visitor = open_app(verify)
    visitor.sign_up()
    code = "20429" if verify == "twilio-verify" else "60003"
    fake.fail(CHECK[verify], Fault(status=429, code=code, retry_after=retry_after))
    page = visitor.enter_code(delivered.last_code())
    assert page.status_code == 429 and page.headers["Retry-After"] == wait  # a minute, when the provider does not say
    assert f"Too many tries. Wait {said}, then try again." in words(page)


@pytest.mark.parametrize("code", ["20404", "60200", "20001"], ids=["not found", "never started", "any other code"])
def test_a_verify_check_that_finds_no_verification_reads_as_replaced_not_wrong(open_app, fake, delivered, code):
    visitor = open_app("twilio-verify")
    visitor.sign_up()
    fake.fail(CHECK["twilio-verify"], Fault(status=404 if code != "60200" else 400, code=code))
    page = visitor.enter_code(delivered.last_code())
    assert "This code has expired or was replaced." in words(page)
    assert "not right" not in words(page)


@pytest.mark.parametrize(("status", "code"), [(401, "60019"), (404, "60026")], ids=["token reused", "user unknown"])
def test_an_authy_token_it_no_longer_knows_reads_as_replaced_not_wrong(open_app, fake, delivered, status, code):
    visitor = open_app("authy")
    visitor.sign_up()
    fake.fail(CHECK["authy"], Fault(status=status, code=code))
    page = visitor.enter_code(delivered.last_code())
    assert "This code has expired or was replaced." in words(page)
    assert "not right" not in words(page)


def test_an_authy_answer_that_does_not_say_the_token_is_valid_never_verifies(open_app, fake, delivered):
    """A 200 alone is not an approval: only `"token": "is valid"` is."""
    visitor = open_app("authy")
    visitor.sign_up()
    fake.fail(CHECK["authy"], Fault(status=200, code="60000"))
    page = visitor.enter_code(delivered.last_code())
    assert page.context["step"] == "code" and "We couldn't check the code just now." in words(page)


def test_a_number_authy_will_not_register_asks_for_another(open_app, fake):
    fake.fail("authy.users.new", Fault(status=400, code="60033"))  # invalid phone number
    page = open_app("authy").sign_up()
    assert page.context["step"] == "code" and "We can't text a code to +1 201-867-5309." in words(page)
    assert fake.count("authy.sms") == 0


def test_an_authy_registration_without_an_id_sends_nothing_and_says_so(open_app, fake):
    fake.fail("authy.users.new", Fault(status=200, code="60000"))  # a 200 that carries no user id
    page = open_app("authy").sign_up()
    assert "Our text message provider is not answering" in words(page) and fake.count("authy.sms") == 0
