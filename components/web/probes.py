"""For the machines around the app: a load balancer's probes and Prometheus.

`/healthz`: the process answers (nothing else is touched). `/readyz`: the
database answers within a second with the newest schema; otherwise 503, so a
balancer stops sending visitors to an instance that lost its database.
`/metrics`: only with METRICS_TOKEN as a bearer token, or from
METRICS_ADDRESSES; anyone else gets 404, as if there were nothing there.
None of them reads or sets a session, and none is written to the access log.
"""

import asyncio
import hmac

from databases import Database
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from components.addresses import within
from components.metrics import scrape
from components.storage.database import schema_is_current
from components.web.incoming import address_of, services_of

READY_WITHIN_SECONDS = 1.0
NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok", headers=NO_STORE)


async def readyz(request: Request) -> Response:
    if not await _answers_in_time(services_of(request).db):
        return PlainTextResponse(
            "not ready: the database did not answer, or its schema is not current", status_code=503, headers=NO_STORE
        )
    return PlainTextResponse("ready", headers=NO_STORE)


async def _answers_in_time(db: Database) -> bool:
    """The schema is current, said within the second. A check still out then is
    cancelled but not waited for: its clean-up may hang on a stalled socket for the
    database's own timeout (6 s, it once took)."""
    check = asyncio.ensure_future(schema_is_current(db))
    check.add_done_callback(lambda done: done.cancelled() or done.exception())  # read, whatever it was
    finished, _ = await asyncio.wait({check}, timeout=READY_WITHIN_SECONDS)
    if not finished:
        check.cancel()
        return False
    return not check.exception() and check.result()


async def metrics(request: Request) -> Response:
    if not _may_scrape(request):
        return PlainTextResponse("Not Found", status_code=404, headers=NO_STORE)
    # Summing every process's samples reads their files: off the event loop.
    content = await asyncio.to_thread(scrape)
    return Response(content, media_type="text/plain; version=0.0.4; charset=utf-8", headers=NO_STORE)


def _may_scrape(request: Request) -> bool:
    settings = services_of(request).settings
    given = request.headers.get("Authorization", "")
    token = settings.metrics_token
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    # The client, not the peer: behind a trusted proxy, whoever it forwards.
    return within(address_of(request), settings.metrics_addresses)
