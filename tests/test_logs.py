"""What operators read: times in ISO 8601 with the UTC offset."""

import logging
import re

from components.logs import IsoTimeFormatter


def test_log_times_are_iso_8601_with_their_offset():
    record = logging.LogRecord("providers", logging.INFO, __file__, 1, "provider=authy op=sms.send", None, None)
    line = IsoTimeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s").format(record)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d INFO providers provider=authy op=sms\.send",
                        line), line
