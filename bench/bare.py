"""The ceiling for GET: a bare Starlette route that renders a Jinja2 template to
as many bytes as the app's page, with no middleware, session or database.

    python bench/bare.py --port 8001 --bytes 9000   (or PORT=8001)
"""

import argparse
import os

import uvicorn
from jinja2 import Environment
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

TEMPLATE = Environment(autoescape=True).from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><form method=post>"
    "{% for row in rows %}<p><label for=f{{ loop.index }}>{{ row }}</label>"
    '<input id=f{{ loop.index }} name=f{{ loop.index }} value="{{ row }}"></p>\n{% endfor %}'
    "</form></body></html>"
)
ROW = "A line of text & a field, as in the signup form"


def app_rendering(size: int) -> Starlette:
    rows = [ROW] * max(1, size // (2 * len(ROW) + 70))

    async def page(request):
        return HTMLResponse(TEMPLATE.render(title="Bare", rows=rows))

    return Starlette(routes=[Route("/", page)])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8001)))
    parser.add_argument("--bytes", type=int, default=9000)
    args = parser.parse_args()
    uvicorn.run(app_rendering(args.bytes), host="127.0.0.1", port=args.port, log_level="warning")
