"""Who is asking: the client's address, from the connection or, behind trusted proxies, the
first hop they did not add (components/addresses.py). Apart from web/incoming.py so that
web/visits.py, which that module builds on, can read it too."""

from starlette.requests import Request

from components.addresses import client_address


def address_of(request: Request) -> str:
    """Who is asking, for per-address limits, the log and the devices page."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    return client_address(peer, forwarded, request.app.state.services.settings.trusted_proxies)
