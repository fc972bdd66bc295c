"""Account Verification: runs the app (routes/application.py assembles it).

`python app.py` or `uvicorn app:app`; with no configuration it runs on SQLite,
the local verifier and the console SMS sender. `python app.py <command>` runs
an operator's command instead (`python app.py help` lists them).
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import uvicorn
from uvicorn.supervisors import Multiprocess

from components.logs import configure_logging
from components.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from components.providers.interface import SmsSender


def create_app(
    settings: Settings | None = None,
    *,
    sender: SmsSender | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Starlette:
    """The app: what `uvicorn app:app`, each worker and the tests get (`sender`, `clock`
    and `sleep`: test doubles). Its modules load here, not at import, so the process
    that only supervises workers stays small."""
    from routes.application import assemble

    return assemble(settings or load_settings(), sender=sender, clock=clock, sleep=sleep)


def _settings() -> Settings:
    """Settings from the environment; a bad or missing one stops start-up with its name."""
    try:
        settings = load_settings()
    except SettingsError as error:
        sys.exit(f"Configuration error: {error}")
    configure_logging(settings.log_lines)  # for `uvicorn app:app` too: operators need the provider log lines
    return settings


def __getattr__(name: str) -> Starlette:
    """`uvicorn app:app` (and each worker) builds the app on first use, so importing
    this module has no side effects."""
    if name == "app":
        return create_app(_settings())
    raise AttributeError(name)


def main() -> None:
    settings = _settings()
    from components.metrics import start_afresh

    start_afresh()  # the metrics of an earlier run of this server
    # Client addresses come from the connection, or X-Forwarded-For via TRUSTED_PROXIES only.
    # log_config=None: uvicorn's own lines go through the app's logging (ISO times, same format).
    # access_log=False: the app logs each request itself, with its id, route and latency.
    options = {"host": settings.host, "port": settings.port, "proxy_headers": False, "log_config": None}
    handed = _handed_over()
    if settings.workers == 1:
        server = uvicorn.Server(uvicorn.Config(create_app(settings), access_log=False, **options))  # type: ignore[arg-type]
        server.run(sockets=[handed] if handed else None)
        if not server.started:  # as uvicorn.run: a start that failed (the database, say) is an error
            sys.exit(STARTUP_FAILURE)
    else:
        config = uvicorn.Config("app:app", workers=settings.workers, access_log=False, **options)  # type: ignore[arg-type]
        _run_workers(config, handed)


STARTUP_FAILURE = 3  # uvicorn's exit status for a start that failed


def _handed_over() -> socket.socket | None:
    """A listening socket handed over as systemd's socket activation does (LISTEN_PID,
    LISTEN_FDS=1, fd 3): a restart drops no connection, and no other process can take
    the port in between (the tests start the app this way)."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()) or os.environ.get("LISTEN_FDS") != "1":
        return None
    return socket.socket(fileno=3)  # family, type and protocol read from the socket itself


def _run_workers(config: uvicorn.Config, handed: socket.socket | None = None) -> None:
    """Worker processes that each build their own app by import; they share only the database."""
    if handed:
        listener = handed
    else:
        bound = config.bind_socket()
        # uvicorn binds with protocol 0, so asyncio never sets TCP_NODELAY on accepted
        # connections and each keep-alive answer waits ~40 ms on a delayed ACK (Kludex/uvicorn#3149).
        listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, bound.detach())
    try:
        Multiprocess(config, sockets=[listener]).run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    if len(sys.argv) > 1:  # an operator's command (components/admin.py); the app itself loads nothing
        from components.admin import run
        from routes.steps import LINKS

        sys.exit(run(sys.argv[1:], LINKS))
    main()
