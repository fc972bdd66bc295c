"""Log set-up for operators: one line per event, never a secret."""

import logging

# Their INFO/DEBUG lines carry URLs and query arguments: an Authy check URL holds
# the code, a Verify cancel URL the full number, SQL arguments numbers and hashes.
SECRET_BEARING = ("httpx", "httpcore", "databases", "aiosqlite")


def quiet_secret_bearing_loggers() -> None:
    for name in SECRET_BEARING:
        logging.getLogger(name).setLevel(logging.WARNING)


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet_secret_bearing_loggers()
