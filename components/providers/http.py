"""Calls to SMS and verification providers: one log line each, a bounded retry,
and the provider's answer reduced to the few facts the app acts on."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from components import metrics
from components.durations import DAY
from components.forms import whole_number
from components.providers.interface import RateLimited, Unavailable, Undeliverable

log = logging.getLogger("providers")

# Error codes (Authy's are strings, Twilio's integers; compared as strings).
NOT_SMS_CAPABLE = {"60082", "60205", "21614", "21635"}  # a landline: a call may still work
REFUSED_DESTINATION = {
    "60410",
    "60605",  # Verify: Fraud Guard, Geo Permissions
    "21211",
    "21408",
    "21608",
    "21610",
    "21612",  # Messages: bad To, region off, trial, STOP, unroutable
    "60027",
    "60033",  # Authy: user or phone not valid
}
NOT_ON_WHATSAPP = {"63003"}  # WhatsApp knows no such user (its 1013): a text may still work
CREDENTIALS_REFUSED = {"20003", "60001"}  # Twilio "Authenticate", Authy "Invalid API key" (a 401 can be a wrong code)
RETRYABLE_STATUSES = {502, 503, 504}
MAX_RETRY_WAIT_SECONDS = 1.0
DEFAULT_RETRY_AFTER_SECONDS = 60
SEND_WINDOW_SECONDS = 600  # Verify: 5 sends per number per 10 minutes

Retry = Literal["never", "rate_limit", "transient"]
Method = Literal["GET", "POST"]  # the only two the providers' APIs take from us
Sleep = Callable[[float], Awaitable[None]]  # a test's own, so a Retry-After costs it no real time


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no answer (timeout, refused connection)
    body: dict[str, Any] = field(default_factory=dict)
    error_code: str = ""
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def transient(self) -> bool:
        """No answer, a 5xx or a 429: the same request may succeed later."""
        return self.status in (0, 429) or self.status >= 500


def _reply(response: httpx.Response) -> Reply:
    try:
        body = response.json()  # Authy answers JSON whatever its Content-Type says
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    code = body.get("code") or body.get("error_code") or ""
    retry_after = whole_number(response.headers.get("Retry-After"), most=DAY)
    return Reply(response.status_code, body, str(code), retry_after)


class ProviderHttp:
    """One provider's view of the app's shared HTTP client."""

    def __init__(self, client: httpx.AsyncClient, provider: str, *, sleep: Sleep = asyncio.sleep):
        self.client = client
        self.provider = provider
        self.sleep = sleep

    async def call(self, operation: str, method: Method, url: str, *, retry: Retry, **request: Any) -> Reply:
        """`rate_limit`: retry once after a 429 with a short Retry-After (nothing was done);
        `transient`: also after 502/503/504 or no answer (only for calls that send nothing)."""
        reply = await self._once(operation, method, url, request)
        if self._worth_retrying(reply, retry):
            await self.sleep(reply.retry_after or 0.25)
            reply = await self._once(operation, method, url, request, attempt=2)
        return reply

    def _worth_retrying(self, reply: Reply, retry: Retry) -> bool:
        if retry == "never" or (reply.retry_after or 0) > MAX_RETRY_WAIT_SECONDS:
            return False
        if reply.status == 429:  # only a limiter that says when (a spent limit, like 60202, does not)
            return reply.retry_after is not None
        return retry == "transient" and (reply.status in RETRYABLE_STATUSES or reply.status == 0)

    async def _once(self, operation: str, method: Method, url: str, request: dict[str, Any], attempt: int = 1) -> Reply:
        started = time.perf_counter()
        try:
            reply = _reply(await self.client.request(method, url, **request))
        except httpx.HTTPError as error:
            reply = Reply(0, error_code=type(error).__name__)
        seconds = time.perf_counter() - started
        metrics.PROVIDER_SECONDS.labels(self.provider, operation, str(reply.status or "none")).observe(seconds)
        log.info(
            "provider=%s op=%s status=%s error=%s latency_ms=%d attempt=%d",
            self.provider,
            operation,
            reply.status or "none",
            reply.error_code or "-",
            seconds * 1000,
            attempt,
        )
        if reply.status == 401 and reply.error_code in CREDENTIALS_REFUSED:
            log.error("provider=%s refused our credentials: check its settings", self.provider)
        return reply


def refusal(reply: Reply) -> RateLimited | Undeliverable | Unavailable:
    """Why a send was refused, as the flow understands it."""
    if reply.error_code in NOT_SMS_CAPABLE:
        return Undeliverable(try_call=True)
    if reply.error_code in NOT_ON_WHATSAPP:
        return Undeliverable(try_call=False, try_text=True)
    if reply.error_code in REFUSED_DESTINATION:
        return Undeliverable(try_call=False)
    if reply.status == 429:
        window = SEND_WINDOW_SECONDS if reply.error_code == "60203" else DEFAULT_RETRY_AFTER_SECONDS
        return RateLimited(reply.retry_after or window)
    return Unavailable()
