"""Log set-up for operators: one line per event, never a secret, times in ISO 8601
with their UTC offset (so lines from machines in different zones sort and compare),
and the id of the request each line was written for.

LOG_FORMAT=text (the default outside production) writes readable lines;
LOG_FORMAT=json (the default in production) one JSON object a line, whose
`key=%s` pairs in the line's format (the app writes its lines that way:
provider calls, refusals, each request's method, route, status, latency and
client) also come as fields of their own, each with its own value: what a
value holds (a path someone typed) can never set another field. No message
holds a control character (a newline in a path would write a line of its
own), and values from a request are shown percent-encoded (`shown`).
"""

import contextvars
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

# Their INFO/DEBUG lines carry URLs and query arguments: an Authy check URL holds
# the code, a Verify cancel URL the full number, SQL arguments numbers and hashes.
SECRET_BEARING = ("httpx", "httpcore", "databases", "aiosqlite")
# A line's format, token by token: a directive (%s, %d, %.1f …) with the `key=` before it,
# if any, whose value is its argument; or a `key=value` written in the format itself.
TOKENS = re.compile(r"(?:(\w+)=)?(%[-#0 +]*\d*(?:\.\d+)?[sdrifx%])|(\w+)=([^\s%]+)")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Set for each request by components/web/request_context.py.
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def shown(value: str) -> str:
    """A value from a request (a path, a header), fit for a log line: percent-encoded
    where it is not plain visible ASCII, spaces and '=' included."""
    return quote(value, safe="/:@!$&'()*+,;-._~")


def _escaped(message: str) -> str:
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", message)


def _fields(record: logging.LogRecord) -> dict[str, str]:
    """The line's own fields: the format's `key=%s` with their arguments, and the
    `key=value` the format writes itself (never what an argument holds)."""
    if not isinstance(record.msg, str):
        return {}
    arguments = iter(record.args if isinstance(record.args, tuple) else ())
    fields = {}
    for token in TOKENS.finditer(record.msg):
        key, directive, written, value = token.groups()
        if directive == "%%":
            continue
        if directive:
            argument = next(arguments, None)
            if key:
                fields[key] = _escaped(str(argument))
        else:
            fields[written] = value
    return fields


def _iso(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def _stamped_with_request_id(make: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    """Every record gets the id of the request it was written for ('-' outside one),
    whichever handler writes it."""

    def make_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    make_record.stamps_request_id = True  # type: ignore[attr-defined]
    return make_record


# What no line here shows is not gathered for every record either (the logging HOWTO's
# "Optimization"): the caller's file and line (a walk up the stack), thread and process.
logging._srcfile = None
logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False

if not getattr(logging.getLogRecordFactory(), "stamps_request_id", False):
    logging.setLogRecordFactory(_stamped_with_request_id(logging.getLogRecordFactory()))


class IsoTimeFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return _iso(record)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        record.message = _escaped(record.message)
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": _iso(record),
            "level": record.levelname,
            "logger": record.name,
            "message": _escaped(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update((key, value) for key, value in _fields(record).items() if key not in line)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def quiet_secret_bearing_loggers() -> None:
    for name in SECRET_BEARING:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(log_format: str = "text", level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(IsoTimeFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    quiet_secret_bearing_loggers()
