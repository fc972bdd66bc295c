"""The app assembled: routes, middleware (outermost first), error handlers and the
lifespan that connects the database and builds the services once.

Imported by app.py's create_app only, so a process that supervises workers
never loads the app itself.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from components.browsers import warm_up
from components.flows.outbox import keep_sending, kick
from components.housekeeping import keep_tidy
from components.language import load_all
from components.logs import quiet_secret_bearing_loggers
from components.metrics import make_room
from components.providers.factory import http_client
from components.providers.interface import SmsSender
from components.services import build_services
from components.settings import Settings, warnings
from components.storage.database import connected
from components.web.errors import EXCEPTION_HANDLERS, error_page
from components.web.middleware import (
    ErrorPages,
    GzipReads,
    InFlight,
    SecurityHeaders,
    WholeBody,
)
from components.web.request_context import RequestContext
from components.web.templates import name_routes, reload_templates
from routes.steps import LINKS, TABLE

log = logging.getLogger(__name__)
IN_FLIGHT_POSTS = 8  # per worker: enough to keep bcrypt's threads and the database busy


def assemble(
    settings: Settings,
    *,
    sender: SmsSender | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Starlette:
    quiet_secret_bearing_loggers()  # however the app is run (uvicorn app:app included)
    for warning in warnings(settings):
        log.warning("setting: %s", warning)
    make_room()
    reload_templates(settings.app_env == "development")
    name_routes(TABLE.path)
    load_all()  # the catalogs, compiled now: a broken one stops the start
    warm_up()  # and the User-Agent parser's patterns (components/browsers.py)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with (
            connected(settings.database_url, settings.database_timeout_seconds) as db,
            http_client(settings) as client,
        ):
            app.state.services = build_services(settings, db, client, LINKS, sender=sender, clock=clock, sleep=sleep)
            services = app.state.services
            await services.keys.ensure()  # ID tokens' signing keys, on the first start
            loops = [asyncio.create_task(keep_tidy(services)), asyncio.create_task(keep_sending(services))]
            kick(services)  # what a stopped instance left in the outbox
            yield
            for loop in loops:
                loop.cancel()
            await services.background.idle()
            await services.backchannel.close()

    middleware = [
        Middleware(RequestContext, trusted_proxies=settings.trusted_proxies),
        Middleware(SecurityHeaders, hsts=settings.production),
        Middleware(ErrorPages, page=error_page, deadline_seconds=settings.request_timeout_seconds),
        Middleware(WholeBody, max_bytes=settings.max_body_bytes, seconds=settings.body_timeout_seconds),
        Middleware(InFlight, most=IN_FLIGHT_POSTS, paths=TABLE.hashing_paths()),
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
    app = Starlette(
        routes=TABLE.routes(),
        middleware=middleware,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.step_table = TABLE
    return app
