"""The one page: whatever step this visitor is at."""

from starlette.requests import Request
from starlette.routing import Route

from components.results import Notice
from routes._render import render


async def home(request: Request):
    flash = request.session.pop("flash", None)  # left by the last no-JS post
    return await render(request, notice=Notice(**flash) if flash else None)


routes = [Route("/", home, methods=["GET"])]
