"""Which redirect addresses an app may register, and whether one a request names is its own.

Registered addresses are matched exactly (RFC 9700 §2.1), with one exception:
a native app's loopback address (`http://127.0.0.1/…`, `http://[::1]/…`) matches
on any port, since the app listens on whichever port is free (RFC 8252 §7.3).
Production takes only `https://` addresses besides those; development and tests
also take plain `http://` (a local example app).
"""

from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "::1")


def problem_with(uri: str, *, production: bool) -> str | None:
    """Why `uri` cannot be registered, or None."""
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        return f"{uri} is not an address"
    if not parts.scheme or not parts.netloc:
        return f"{uri} is not an absolute address"
    if parts.fragment or "#" in uri:
        return f"{uri} has a fragment (#…), which a redirect cannot carry"
    if parts.scheme == "https" or (parts.scheme == "http" and (_loopback(uri) or not production)):
        return None
    return f"{uri} must start with https:// (or be http://127.0.0.1 or http://[::1], for a native app)"


def matches(registered: tuple[str, ...], uri: str) -> bool:
    """`uri` is one of `registered`, exactly (a loopback one on any port)."""
    return uri in registered or (_loopback(uri) and _without_port(uri) in map(_without_port, registered))


def _loopback(uri: str) -> bool:
    parts = urlsplit(uri)
    return parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS and "@" not in parts.netloc


def _without_port(uri: str) -> str:
    if not _loopback(uri):
        return uri
    parts = urlsplit(uri)
    host = f"[{parts.hostname}]" if parts.hostname == "::1" else str(parts.hostname)
    return parts._replace(netloc=host).geturl()


def origin_of(uri: str) -> str:
    """Where a form may send the browser on to (a page's Content-Security-Policy names it)."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"
