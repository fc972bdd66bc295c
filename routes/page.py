"""GET /: the step this visitor is at (routes/steps.py says which)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from components.flows.results import Notice
from routes.render import show_current


async def home(request: Request) -> Response:
    flash = request.session.pop("flash", None)  # left by the last no-JS post
    return await show_current(request, Notice(**flash) if flash else None)


routes = [Route("/", home, methods=["GET"])]
