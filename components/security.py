"""CSRF tokens, session identity and the security headers on every response."""

import hmac
import ipaddress
import secrets
from functools import cache

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components.users import User

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


class CsrfFailed(Exception):
    """A form came without the token of this session; nothing was done."""

    def __init__(self, form):
        self.form = form


def csrf_token(session: dict) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf(session: dict, form) -> None:
    sent = form.get("csrf_token")
    expected = session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfFailed(form)


def start_session(session: dict, user: User | None, now: float) -> None:
    """A new identity gets a new session: old tokens and state are dropped."""
    session.clear()
    if user is not None:
        session.update(uid=user.id, ver=user.session_version, iat=now, seen=now)
    csrf_token(session)


def session_lapsed(session: dict, user: User, now: float, *, idle: float, lifetime: float) -> bool:
    """Signed out elsewhere, idle too long, or simply too old."""
    return (
        session.get("ver") != user.session_version
        or now - session.get("seen", 0) > idle
        or now - session.get("iat", 0) > lifetime
    )


def client_address(peer: str, forwarded_for: str, trusted_proxies: tuple[str, ...]) -> str:
    """The connection's address; behind trusted proxies, the first hop they did not add."""
    networks = _networks(trusted_proxies)

    def trusted(address: str) -> bool:
        try:
            return any(ipaddress.ip_address(address) in network for network in networks)
        except ValueError:
            return False

    if not trusted(peer):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    return next((hop for hop in reversed(hops) if not trusted(hop)), peer)


@cache
def _networks(trusted_proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy) for proxy in trusted_proxies)


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Request bodies over the cap get 413 before any form parsing."""

    def __init__(self, app: ASGIApp, *, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            return await _too_large(scope, receive, send)
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _too_large(scope, receive, send)


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = PlainTextResponse("This request is too large for this form.", status_code=413)
    await response(scope, receive, send)


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
