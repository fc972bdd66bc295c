"""ASGI middleware around every request: security headers, error pages and a
deadline, the whole body read first (within its cap and its time), the
password-hashing slots, gzip for reads."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components.logs import shown
from components.storage.database import is_database_fault
from components.web.compression import LEVEL

log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def policy_allowing_forms_to(origin: str) -> str:
    """The policy for a page whose form's answer sends the browser on to `origin` (an app's
    redirect address): browsers hold a form's redirects to `form-action` too."""
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


class BodyTooLarge(Exception):
    """Over the body cap: answered 413 by ErrorPages."""


class BodyTooSlow(Exception):
    """The body did not arrive in time: answered 408 by ErrorPages."""


class WholeBody:
    """A request's body is read whole before anything else sees it: over the cap, 413
    (before reading, when its declared length says so); not all in within `seconds`,
    408. So a password slot (InFlight) is taken only once the body is here, and no
    client's slow network holds one: eight trickling sockets once kept a real sign-in
    waiting a minute."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            raise BodyTooLarge()
        try:
            async with asyncio.timeout(self.seconds):
                body = await self._read(receive)
        except TimeoutError:
            raise BodyTooSlow() from None
        if body is None:
            return  # the client left: nobody to answer
        whole: Message = {"type": "http.request", "body": body, "more_body": False}
        given = False

        async def replayed() -> Message:
            nonlocal given
            if given:
                return await receive()  # after the body: a disconnect, if any
            given = True
            return whole

        await self.app(scope, replayed, send)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyTooLarge()
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


ErrorPage = Callable[[Scope, int], Awaitable[Response]]


class ErrorPages:
    """Whatever goes wrong, the answer is the app's own page, in time: 413 for a body
    over the cap, 408 for one too slow to arrive, 503 (with Retry-After) when the database fails or the request runs
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
    peer = (scope.get("client") or ("unknown",))[0]
    if isinstance(error, BodyTooLarge):
        log.warning("refused: %s: body over the cap: peer=%s", where, peer)
        return 413
    if isinstance(error, BodyTooSlow):
        log.warning("refused: %s: body not in within its time: peer=%s", where, peer)
        return 408
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


def accepts_gzip(scope: Scope) -> bool:
    return b"gzip" in dict(scope.get("headers", [])).get(b"accept-encoding", b"")


class GzipReads:
    """Compress GET answers only. A POST answer echoes what was typed next to a
    CSRF token, and compressing both together would leak the token (BREACH). An
    answer compressed already (a new visitor's page: components/web/compression.py)
    or marked `identity` passes as it is."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=512, compresslevel=LEVEL)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and accepts_gzip(scope):
            return await self.gzip(scope, receive, send)
        await self.app(scope, receive, send)
