"""What operators read: times in ISO 8601 with the UTC offset, a line per request
with its id, JSON lines when asked for, and never a secret."""

import json
import logging
import re

from support import JENNY, JENNY_E164

from components.logs import IsoTimeFormatter, JsonFormatter, configure_logging


def test_log_times_are_iso_8601_with_their_offset():
    record = logging.LogRecord("providers", logging.INFO, __file__, 1, "provider=authy op=sms.send", None, None)
    line = IsoTimeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO providers provider=authy op=sms\.send", line
    ), line


def test_every_refused_attempt_is_logged_with_the_client_address(htmx_visitor, new_visitor, outbox, clock, caplog):
    caplog.set_level(logging.INFO)
    htmx_visitor.sign_up()
    htmx_visitor.resend()  # within the cooldown
    htmx_visitor.enter_code("0000000")
    htmx_visitor.client.post("/signup", data={"csrf_token": "forged"})
    new_visitor(address="198.51.100.77").post("/code", {"code": "123456"})
    htmx_visitor.client.post(
        "/signup", content=b"x" * 20_000, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    refusals = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert any("reason=cooldown" in line and "address=203.0.113.10" in line for line in refusals)
    assert any(
        "code refused" in line and "reason=wrong" in line and "address=203.0.113.10" in line for line in refusals
    )
    assert any("reason=csrf" in line and "address=203.0.113.10" in line for line in refusals)
    assert any("reason=no-code-waiting" in line and "address=198.51.100.77" in line for line in refusals)
    assert any("body over the cap" in line and "peer=203.0.113.10" in line for line in refusals)


def test_json_lines_carry_time_level_logger_message_request_id_and_the_messages_fields():
    record = logging.LogRecord(
        "providers",
        logging.INFO,
        __file__,
        1,
        "provider=%s op=%s status=%s latency_ms=%d",
        ("twilio-verify", "verification.start", 201, 84),
        None,
    )
    record.request_id = "abc123"
    line = json.loads(JsonFormatter().format(record))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", line["time"])
    assert line | {"time": "-"} == {
        "time": "-",
        "level": "INFO",
        "logger": "providers",
        "request_id": "abc123",
        "message": "provider=twilio-verify op=verification.start status=201 latency_ms=84",
        "provider": "twilio-verify",
        "op": "verification.start",
        "status": "201",
        "latency_ms": "84",
    }


def test_each_request_is_logged_once_with_its_id_route_status_latency_and_client(htmx_visitor, caplog):
    caplog.set_level(logging.INFO)
    answer = htmx_visitor.sign_up()
    request_id = answer.headers["X-Request-ID"]
    [line] = [
        record for record in caplog.records if record.name == "requests" and "route=/signup" in record.getMessage()
    ]
    assert re.fullmatch(
        r"request: method=POST route=/signup status=200 latency_ms=\d+ client=203\.0\.113\.10", line.getMessage()
    )
    assert line.request_id == request_id
    flow_lines = [record for record in caplog.records if "signup created" in record.getMessage()]
    assert flow_lines and all(record.request_id == request_id for record in flow_lines)


def test_no_secret_reaches_a_json_log(htmx_visitor, outbox, caplog, capsys):
    """The password, the code and the full number, through a whole signup, in JSON lines."""
    # Put back as found: a handler set up again here would write, in later tests, to this
    # test's captured stderr, closed by then.
    handlers, level = logging.root.handlers[:], logging.root.level
    configure_logging("json")
    try:
        htmx_visitor.sign_up()
        code = outbox.last_code()
        htmx_visitor.enter_code(code)
        written = capsys.readouterr().err
    finally:
        logging.root.handlers[:], logging.root.level = handlers, level
    lines = [json.loads(line) for line in written.splitlines() if line.startswith("{")]
    assert any(line["logger"] == "requests" and line["route"] == "/code" for line in lines)
    for secret in (JENNY["password"], code, JENNY_E164):
        assert secret not in written
