"""The `X-Twilio-Signature` that proves a webhook's call is Twilio's: HMAC-SHA1,
keyed by the auth token, of the full URL it called followed by each POST
parameter's name and value, sorted by name; Base64.

Written here rather than taken from the `twilio` package: that package brings
requests, aiohttp and PyJWT into every worker for these few lines. Like its
RequestValidator, a URL with the scheme's default port is also tried without
it and the other way round, since proxies add or drop it. Tested against the
example Twilio publishes.
"""

import base64
import hashlib
import hmac
from urllib.parse import urlsplit, urlunsplit

DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    signed = url + "".join(name + value for name, value in sorted(params.items()))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signed_by_twilio(auth_token: str, url: str, params: dict[str, str], signature: str) -> bool:
    if not (auth_token and signature):
        return False
    return any(
        hmac.compare_digest(twilio_signature(auth_token, form, params).encode(), signature.encode())
        for form in _with_and_without_port(url)
    )


def _with_and_without_port(url: str) -> list[str]:
    parts = urlsplit(url)
    default = DEFAULT_PORTS.get(parts.scheme)
    host = parts.hostname or ""
    if parts.port is None and default:
        other = f"{host}:{default}"
    elif parts.port == default:
        other = host
    else:
        return [url]
    if parts.username:  # credentials in the URL (Twilio allows them) stay where they were
        other = f"{parts.netloc.rsplit('@', 1)[0]}@{other}"
    return [url, urlunsplit(parts._replace(netloc=other))]
