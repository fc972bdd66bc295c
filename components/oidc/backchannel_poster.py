"""Posting a logout token to an app's back-channel address (Back-Channel Logout 1.0 §2.5).

Its own HTTP client, made at the first post: a site with no such app never
loads one. Short timeouts: an app that hangs is tried again later, never
waited on.
"""

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0


class BackchannelPoster:
    def __init__(self, user_agent: str) -> None:
        self.user_agent = user_agent
        self._client: httpx.AsyncClient | None = None

    async def post(self, uri: str, logout_token: str) -> int | None:
        """The app's answer's status; None when it gave none (refused, reset, timed out)."""
        import httpx

        if self._client is None:
            timeout = httpx.Timeout(TIMEOUT_SECONDS, connect=2.0)
            self._client = httpx.AsyncClient(timeout=timeout, headers={"User-Agent": self.user_agent})
        try:
            answer = await self._client.post(uri, data={"logout_token": logout_token}, follow_redirects=False)
        except httpx.HTTPError as error:
            log.info("back-channel logout not answered: %s", type(error).__name__)
            return None
        return answer.status_code

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
