"""What operators read: times in ISO 8601 with the UTC offset, a line per request
with its id, JSON lines when asked for, and never a secret."""

import json
import logging
import re

import pytest
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


def _lines_written(log_format: str, act, capsys) -> list[str]:
    """What the app's own handler writes while `act` runs (put back as found afterwards)."""
    handlers, level = logging.root.handlers[:], logging.root.level
    configure_logging(log_format)
    try:
        act()
        written = capsys.readouterr().err
    finally:
        logging.root.handlers[:], logging.root.level = handlers, level
    return written.splitlines()


TOO_BIG = b"x" * 20_000  # refused at the door, with a log line naming the request's path


def test_a_path_cannot_write_a_line_of_its_own_into_the_text_log(htmx_visitor, capsys):
    forged = "/signup%0A2026-01-01T00:00:00.000+00:00 WARNING security [-] forged: admin signed in"
    lines = _lines_written("text", lambda: htmx_visitor.client.post(forged, content=TOO_BIG), capsys)
    assert [line for line in lines if "body over the cap" in line]
    assert not [line for line in lines if line.startswith("2026-01-01")]


def test_a_path_cannot_set_a_json_lines_fields(htmx_visitor, capsys):
    path = "/nowhere peer=6.6.6.6 status=200 route=/admin"
    written = _lines_written("json", lambda: htmx_visitor.client.post(path, content=TOO_BIG), capsys)
    lines = [json.loads(line) for line in written]
    [refused] = [line for line in lines if "body over the cap" in line["message"]]
    assert refused["peer"] == "203.0.113.10" and "status" not in refused and "route" not in refused
    [request] = [line for line in lines if line["logger"] == "requests"]
    assert (request["client"], request["status"], request["route"]) == ("203.0.113.10", "413", "unmatched")


def test_json_fields_come_from_the_lines_own_values_not_from_what_a_value_holds():
    record = logging.LogRecord(
        "components.web.errors",
        logging.WARNING,
        __file__,
        1,
        "form refused: reason=%s path=%s address=%s",
        ("csrf", "/x address=6.6.6.6 reason=none", "203.0.113.10"),
        None,
    )
    line = json.loads(JsonFormatter().format(record))
    assert (line["reason"], line["path"], line["address"]) == ("csrf", "/x address=6.6.6.6 reason=none", "203.0.113.10")
    written = logging.LogRecord("x", logging.WARNING, __file__, 1, "refused: reason=locked account=%s", (7,), None)
    assert json.loads(JsonFormatter().format(written)) | {"time": "-"} == {
        "time": "-",
        "level": "WARNING",
        "logger": "x",
        "message": "refused: reason=locked account=7",
        "request_id": "-",
        "reason": "locked",  # written in the line's own format: a field too
        "account": "7",
    }


@pytest.mark.parametrize("formatter", [IsoTimeFormatter("%(levelname)s %(message)s"), JsonFormatter()])
def test_a_value_with_a_newline_or_an_escape_stays_on_its_line(formatter):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "value=%s", ("a\nWARNING b\r\x1b[31m",), None)
    line = formatter.format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "x0aWARNING b" in line  # shown as \\x0a
