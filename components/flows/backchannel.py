"""Back-channel logouts (OpenID Connect Back-Channel Logout 1.0): each app the account
signed in to that registered an address is told, by a signed logout token, that the
account's sign-ins here ended ("Sign out everywhere", a new password, closing it).

Queued with the change (components/storage/logout_notices.py) and posted by the
outbox's rounds, never by the visitor's request: an app that is down is tried again
with a doubling wait, up to OUTBOX_MAX_ATTEMPTS; one that refuses (a 4xx) is not.
"""

import logging
import secrets

from components import metrics
from components.flows.draining import BATCH, drain
from components.oidc.id_tokens import signed
from components.services import Services
from components.storage.logout_notices import Owed

log = logging.getLogger(__name__)
LOGOUT_TOKEN_SECONDS = 120
EVENT = "http://schemas.openid.net/event/backchannel-logout"


async def deliver_due(services: Services) -> int:
    """Every logout owed now that this sender could claim; how many it tried."""
    return await drain(
        lambda lease: services.logout_notices.claim(BATCH, lease), lambda owed: _deliver(services, owed), services
    )


async def _deliver(services: Services, owed: Owed) -> None:
    client = await services.clients.get(owed.client_id)
    if client is None or not client.backchannel_logout_uri:  # removed, or no longer listening
        await services.logout_notices.give_up(owed.id)
        return
    now = int(services.clock())
    claims = {
        "iss": services.settings.issuer,
        "aud": client.client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": secrets.token_urlsafe(16),
        "sub": owed.subject,
        "events": {EVENT: {}},
    }
    token = await signed(services.keys, client.id_token_alg, claims, typ="logout+jwt")
    status = await services.backchannel.post(client.backchannel_logout_uri, token)
    if status in (200, 204):
        await services.logout_notices.sent(owed.id)
        metrics.OIDC_BACKCHANNEL.labels("sent").inc()
        log.info("back-channel logout sent: notice=%s client=%s", owed.id, client.client_id)
        return
    settings = services.settings
    if (status is None or status >= 500 or status == 429) and owed.attempts < settings.outbox_max_attempts:
        wait = settings.outbox_retry_seconds * 2 ** (owed.attempts - 1)
        await services.logout_notices.retry_at(owed.id, services.clock() + wait)
        metrics.OIDC_BACKCHANNEL.labels("retrying").inc()
        log.warning(
            "back-channel logout not taken, will retry: notice=%s status=%s retry_in=%ss", owed.id, status, wait
        )
        return
    await services.logout_notices.give_up(owed.id)
    metrics.OIDC_BACKCHANNEL.labels("given-up").inc()
    log.error("back-channel logout given up: notice=%s client=%s status=%s", owed.id, client.client_id, status)
