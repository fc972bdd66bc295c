"""Every request's id, its access log line, and its count and time in the metrics.

The id comes from `X-Request-ID` only when the request came through a trusted
proxy (anyone else could plant ids to muddle the logs), else it is made here;
it goes back in the response's `X-Request-ID`, onto every log line written
while the request runs, and onto the error pages ("Reference: …"). Probes and
scrapes are counted but not logged: a balancer asks every few seconds.
"""

import logging
import re
import time
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from components.addresses import client_address, within
from components.logs import REQUEST_ID
from components.metrics import HTTP_SECONDS
from components.web import probes

log = logging.getLogger("requests")
NOT_LOGGED = {probes.healthz, probes.readyz, probes.metrics}  # a balancer asks every few seconds
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}  # any other is "other": a bounded label
ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContext:
    def __init__(self, app: ASGIApp, *, trusted_proxies: tuple[str, ...]):
        self.app = app
        self.trusted = trusted_proxies
        self.templates: dict[object, str] | None = None  # read from the app's routes at its first request

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        peer = (scope.get("client") or ("",))[0]
        request_id = self._id(headers.get("x-request-id", ""), peer)
        context = REQUEST_ID.set(request_id)
        status = 500  # unless an answer starts
        started = time.perf_counter()

        async def answering(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, answering)
        finally:
            seconds = time.perf_counter() - started
            route = self._route(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            HTTP_SECONDS.labels(route, method, str(status)).observe(seconds)
            if scope.get("endpoint") not in NOT_LOGGED:
                address = client_address(peer, headers.get("x-forwarded-for", ""), self.trusted)
                log.info(
                    "request: method=%s route=%s status=%s latency_ms=%d client=%s",
                    method,
                    route,
                    status,
                    seconds * 1000,
                    address,
                )
            REQUEST_ID.reset(context)

    def _route(self, scope: Scope) -> str:
        """The route's path template, never the path (which anyone can vary without end)."""
        if self.templates is None:
            self.templates = _route_templates(scope.get("app"))
        return self.templates.get(scope.get("endpoint"), "unmatched")

    def _id(self, given: str, peer: str) -> str:
        if given and ACCEPTED_ID.fullmatch(given) and within(peer, self.trusted):
            return given
        return uuid.uuid4().hex


def _route_templates(app: object) -> dict[object, str]:
    """Each route's path template, by the endpoint that answers it (a mount's by its app)."""
    templates: dict[object, str] = {}
    for route in getattr(app, "routes", ()):
        endpoint = route.app if isinstance(route, Mount) else getattr(route, "endpoint", None)
        templates[endpoint] = route.path
    return templates
