"""Log set-up for operators: one line per event, never a secret, times in ISO 8601
with their UTC offset (so lines from machines in different zones sort and compare),
and the id of the request each line was written for.

LOG_FORMAT=text (the default outside production) writes readable lines;
LOG_FORMAT=json (the default in production) one JSON object a line, whose
`key=value` pairs in the message (the app writes its lines that way: provider
calls, refusals, each request's method, route, status, latency and client)
also come as fields of their own.
"""

import contextvars
import json
import logging
import re
from collections.abc import Callable
from datetime import datetime

# Their INFO/DEBUG lines carry URLs and query arguments: an Authy check URL holds
# the code, a Verify cancel URL the full number, SQL arguments numbers and hashes.
SECRET_BEARING = ("httpx", "httpcore", "databases", "aiosqlite")
PAIRS = re.compile(r"(\w+)=(\S+)")
# Set for each request by components/web/request_context.py.
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


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


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line = {
            "time": _iso(record),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "request_id": getattr(record, "request_id", "-"),
        }
        line.update((key, value) for key, value in PAIRS.findall(message) if key not in line)
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
