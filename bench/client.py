"""A lean HTTP/1.1 client for the load generator: one keep-alive connection per
visitor, cookies by name, bodies by Content-Length (the app always sends it).

The load generator runs on the cores the server runs on; httpx spent about
5 ms of CPU per flow there, taken from what is measured. This does the little
the benchmark needs for a fraction of that.
"""

import asyncio
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit


class RequestFailed(Exception):
    """No answer: the connection was refused, reset or closed, or the answer was cut short."""


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode()


@dataclass
class Client:
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 300
    cookies: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> "Client":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self.writer:
            self.writer.close()
            self.reader = self.writer = None

    async def get(self, path: str) -> Response:
        return await self.request("GET", path)

    async def post(self, path: str, data: dict[str, str]) -> Response:
        return await self.request("POST", path, urlencode(data).encode(), "application/x-www-form-urlencoded")

    async def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> Response:
        try:
            async with asyncio.timeout(self.timeout):
                return await self._exchange(method, path, body, content_type)
        except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
            await self.aclose()
            raise RequestFailed(type(error).__name__) from None

    async def _exchange(self, method: str, path: str, body: bytes, content_type: str) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            *(f"{name}: {value}" for name, value in {"Accept-Encoding": "identity", **self.headers}.items()),
        ]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        if body:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int((await self.reader.readline()).split(b" ", 2)[1])
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, cookie_value = cookie.partition("=")
                self.cookies[key] = cookie_value
            headers[name] = value
        content = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection") == "close":
            await self.aclose()
        return Response(status, headers, content)
