"""Static files: versioned URLs cached for a year, gzip, and the service worker at the root."""

import hashlib
import os
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from components.durations import YEAR

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


@cache
def version(name: str) -> str:
    """The file's content hash, for its URL (`app.css?v=<hash>`): a new file is a new URL,
    so caches never serve stale code."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


class VersionedStatic(StaticFiles):
    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable" if versioned else "no-cache"
        return response


async def service_worker(request: Request) -> Response:
    """Served from / so it may control the page; browsers re-check it on every visit."""
    return FileResponse(STATIC_DIR / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})
