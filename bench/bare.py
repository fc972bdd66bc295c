"""The ceiling for GET: a bare Starlette route that answers with the same bytes the
app's page is made of (captured from it), with no middleware, session or database:
the page as it is, or its gzip when the request takes gzip. What the app takes
beyond this is its own work (bench/README.md says what it is made of).

    python bench/bare.py --port 8001 --page page.html   (page.html.gz beside it; or PORT=8001)
"""

import argparse
import os
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def app_answering(page: Path) -> Starlette:
    plain, compressed = page.read_bytes(), Path(f"{page}.gz").read_bytes()

    async def answer(request: Request) -> Response:
        if "gzip" in request.headers.get("accept-encoding", ""):
            return Response(compressed, media_type="text/html", headers={"Content-Encoding": "gzip"})
        return Response(plain, media_type="text/html")

    return Starlette(routes=[Route("/", answer)])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8001)))
    parser.add_argument("--page", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(app_answering(args.page), host="127.0.0.1", port=args.port, log_level="warning")
