"""Account Verification: assembles the app and runs it.

`python app.py` or `uvicorn app:app`; with no configuration it runs on SQLite,
the local verifier and the console SMS sender.
"""

import socket
import sys
import time
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.supervisors import Multiprocess

from components.logs import configure_logging, quiet_secret_bearing_loggers
from components.providers.factory import http_client
from components.providers.interface import SmsSender
from components.services import build_services
from components.settings import Settings, SettingsError, load_settings
from components.storage.database import connected
from components.web.middleware import BodyLimit, ErrorPages, GzipReads, SecurityHeaders
from routes import (
    account,
    assets,
    close,
    code,
    forgot,
    mobile,
    new_password,
    number,
    page,
    password,
    signin,
    signup,
)
from routes.errors import EXCEPTION_HANDLERS, error_page


def create_app(settings: Settings | None = None, *, sender: SmsSender | None = None, clock=time.time) -> Starlette:
    settings = settings or load_settings()
    quiet_secret_bearing_loggers()  # however the app is run (uvicorn app:app included)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        async with connected(settings.database_url, settings.database_timeout_seconds) as db, \
                http_client(settings) as client:
            app.state.services = build_services(settings, db, client, sender=sender, clock=clock)
            yield
            await app.state.services.background.idle()

    middleware = [
        Middleware(SecurityHeaders, hsts=settings.production),
        Middleware(ErrorPages, page=error_page, deadline_seconds=settings.request_timeout_seconds),
        Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        Middleware(GzipReads),
        Middleware(
            SessionMiddleware,
            secret_key=settings.app_secret,
            session_cookie="__Host-session" if settings.production else "session",
            max_age=settings.session_max_age_seconds,
            same_site="lax",
            https_only=settings.production,
        ),
    ]
    return Starlette(
        routes=[
            *page.routes, *signup.routes, *code.routes, *number.routes, *account.routes, *signin.routes,
            *forgot.routes, *new_password.routes, *password.routes, *mobile.routes, *close.routes, *assets.routes,
        ],
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )


def _settings() -> Settings:
    """Settings from the environment; a bad or missing one stops start-up with its name."""
    configure_logging()  # for `uvicorn app:app` too: operators need the provider log lines
    try:
        return load_settings()
    except SettingsError as error:
        sys.exit(f"Configuration error: {error}")


def __getattr__(name: str):
    """`uvicorn app:app` (and each worker) builds the app on first use, so importing
    this module has no side effects."""
    if name == "app":
        return create_app(_settings())
    raise AttributeError(name)


def main() -> None:
    settings = _settings()
    # Client addresses come from the connection, or X-Forwarded-For via TRUSTED_PROXIES only.
    # log_config=None: uvicorn's own lines go through the app's logging (ISO times, same format).
    options = {"host": settings.host, "port": settings.port, "proxy_headers": False, "log_config": None}
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **options)
    else:
        _run_workers(uvicorn.Config("app:app", workers=settings.workers, **options))


def _run_workers(config: uvicorn.Config) -> None:
    """Worker processes that each build their own app by import; they share only the database."""
    bound = config.bind_socket()
    # uvicorn binds with protocol 0, so asyncio never sets TCP_NODELAY on accepted
    # connections and each keep-alive answer waits ~40 ms on a delayed ACK (Kludex/uvicorn#3149).
    listener = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, bound.detach())
    try:
        Multiprocess(config, sockets=[listener]).run()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
