"""Log set-up for operators: one line per event, never a secret, times in ISO 8601
with their UTC offset (so lines from machines in different zones sort and compare)."""

import logging
from datetime import datetime

# Their INFO/DEBUG lines carry URLs and query arguments: an Authy check URL holds
# the code, a Verify cancel URL the full number, SQL arguments numbers and hashes.
SECRET_BEARING = ("httpx", "httpcore", "databases", "aiosqlite")


class IsoTimeFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        return datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


def quiet_secret_bearing_loggers() -> None:
    for name in SECRET_BEARING:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(IsoTimeFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])
    quiet_secret_bearing_loggers()
