"""What operators read: times in ISO 8601 with the UTC offset."""

import logging
import re

from components.logs import IsoTimeFormatter


def test_log_times_are_iso_8601_with_their_offset():
    record = logging.LogRecord("providers", logging.INFO, __file__, 1, "provider=authy op=sms.send", None, None)
    line = IsoTimeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO providers provider=authy op=sms\.send",
                        line), line


def test_every_refused_attempt_is_logged_with_the_client_address(htmx_visitor, new_visitor, outbox, clock, caplog):
    caplog.set_level(logging.INFO)
    htmx_visitor.sign_up()
    htmx_visitor.resend()  # within the cooldown
    htmx_visitor.enter_code("0000000")
    htmx_visitor.client.post("/signup", data={"csrf_token": "forged"})
    new_visitor(address="198.51.100.77").post("/code", {"code": "123456"})
    htmx_visitor.client.post("/signup", content=b"x" * 20_000,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
    refusals = [record.getMessage() for record in caplog.records if "refused" in record.getMessage()]
    assert any("reason=cooldown" in line and "address=203.0.113.10" in line for line in refusals)
    assert any("code refused" in line and "reason=wrong" in line and "address=203.0.113.10" in line
               for line in refusals)
    assert any("reason=csrf" in line and "address=203.0.113.10" in line for line in refusals)
    assert any("reason=no-code-waiting" in line and "address=198.51.100.77" in line for line in refusals)
    assert any("body over the cap" in line and "peer=203.0.113.10" in line for line in refusals)
