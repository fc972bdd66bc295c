"""ASGI middleware around every request: security headers, error pages and a
deadline, the body cap, gzip for reads."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components.logs import shown
from components.storage.database import is_database_fault

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class BodyTooLarge(Exception):
    """Over the body cap: answered 413 by ErrorPages."""


class BodyLimit:
    """Request bodies over the cap are refused before any form parsing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            raise BodyTooLarge()
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)


ErrorPage = Callable[[Scope, int], Awaitable[Response]]


class ErrorPages:
    """Whatever goes wrong, the answer is the app's own page, in time: 413 for a body
    over the cap, 503 (with Retry-After) when the database fails or the request runs
    past its deadline, 500 for anything else. Inside SecurityHeaders, so error
    pages carry the headers too."""

    def __init__(self, app: ASGIApp, *, page: ErrorPage, deadline_seconds: float):
        self.app = app
        self.page = page
        self.deadline = deadline_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            async with asyncio.timeout(self.deadline):
                await self.app(scope, receive, watched)
        except Exception as error:
            if started:
                raise
            status = _status_for(error, scope)
            response = await self.page(scope, status)
            await response(scope, receive, send)


def _status_for(error: Exception, scope: Scope) -> int:
    where = f"{shown(str(scope.get('method')))} {shown(str(scope.get('path')))}"
    if isinstance(error, BodyTooLarge):
        peer = (scope.get("client") or ("unknown",))[0]
        log.warning("refused: %s: body over the cap: peer=%s", where, peer)
        return 413
    if isinstance(error, TimeoutError) or is_database_fault(error):
        log.error("unavailable: %s: %s: %s", where, type(error).__name__, error)
        return 503
    log.exception("failed: %s", where, exc_info=error)
    return 500


class InFlight:
    """At most `most` of the posts to `paths` (those that hash a password: seconds of
    CPU in a crowd) worked on at once; the rest wait at the door, where a waiting
    request costs little (its body not yet read). Everything else passes freely, so a
    page, or a code being checked, does not queue behind a crowd signing up."""

    def __init__(self, app: ASGIApp, *, most: int, paths: frozenset[str]):
        self.app = app
        self.slots = asyncio.Semaphore(most)
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            return await self.app(scope, receive, send)
        async with self.slots:
            await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, hsts: bool):
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class GzipReads:
    """Compress GET answers only. A POST answer echoes what was typed next to a
    CSRF token, and compressing both together would leak the token (BREACH)."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=512)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wants_gzip = b"gzip" in dict(scope.get("headers", [])).get(b"accept-encoding", b"")
        if scope["type"] == "http" and scope["method"] == "GET" and wants_gzip:
            return await self.gzip(scope, receive, send)
        await self.app(scope, receive, send)
