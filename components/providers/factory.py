"""The back ends chosen by settings, once at start-up; nothing else asks which one it is.

The Twilio and Authy clients (and httpx under them) are imported only when
settings choose them: the offline default (local codes, console texts) never
loads them, which keeps each worker a few megabytes smaller.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import TYPE_CHECKING

from databases import Database

from components.providers.console import ConsoleSender
from components.providers.interface import SmsSender, Verifier
from components.providers.local import LocalVerifier
from components.settings import Settings

if TYPE_CHECKING:
    import httpx

    from components.providers.http import Sleep


def _shared(client: httpx.AsyncClient | None) -> httpx.AsyncClient:
    """http_client() makes one whenever a remote provider is chosen."""
    if client is None:
        raise RuntimeError("a remote provider needs the app's HTTP client")
    return client


def make_sender(
    settings: Settings, client: httpx.AsyncClient | None, status_path: str, sleep: Sleep = asyncio.sleep
) -> SmsSender:
    """`status_path`: where the app takes a text's status reports (behind PUBLIC_URL)."""
    if settings.sms_provider == "twilio":
        from components.providers.twilio_sms import TwilioSender

        return TwilioSender(
            _shared(client),
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            base_url=settings.twilio_api_url,
            from_number=settings.twilio_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
            status_callback=settings.public_url.rstrip("/") + status_path if settings.public_url else "",
            sleep=sleep,
        )
    return ConsoleSender(
        settings.sms_outbox,
        delivery_seconds=settings.console_delivery_seconds,
        undeliverable=settings.console_undeliverable,
    )


def make_verifier(
    settings: Settings,
    db: Database,
    client: httpx.AsyncClient | None,
    sender: SmsSender,
    clock: Callable[[], float],
    sleep: Sleep = asyncio.sleep,
) -> Verifier:
    """The provider, offering the channels it can reach that VERIFY_CHANNELS allows: the one
    place that decides what the code step offers."""
    verifier = _verifier(settings, db, client, sender, clock, sleep)
    verifier.channels = tuple(channel for channel in verifier.channels if channel in settings.verify_channels)
    return verifier


def _verifier(
    settings: Settings,
    db: Database,
    client: httpx.AsyncClient | None,
    sender: SmsSender,
    clock: Callable[[], float],
    sleep: Sleep,
) -> Verifier:
    if settings.verify_provider == "authy":
        from components.providers.authy import AuthyVerifier
        from components.providers.http import ProviderHttp

        return AuthyVerifier(
            ProviderHttp(_shared(client), "authy", sleep=sleep),
            db,
            api_key=settings.authy_api_key,
            base_url=settings.authy_api_url,
        )
    if settings.verify_provider == "twilio-verify":
        from components.providers.http import ProviderHttp
        from components.providers.twilio_verify import TwilioVerifyVerifier

        return TwilioVerifyVerifier(
            ProviderHttp(_shared(client), "twilio-verify", sleep=sleep),
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            service_sid=settings.twilio_verify_service_sid,
            base_url=settings.twilio_verify_api_url,
        )
    return LocalVerifier(
        db,
        sender,
        secret=settings.app_secret,
        app_name=settings.app_name,
        host=settings.public_host,
        ttl_seconds=settings.code_ttl_seconds,
        max_attempts=settings.code_max_attempts,
        clock=clock,
    )


def http_client(settings: Settings) -> AbstractAsyncContextManager[httpx.AsyncClient | None]:
    """The one client every remote provider shares (pooled connections, short timeouts);
    none at all when every back end is local."""
    if settings.verify_provider == "local" and settings.sms_provider == "console":
        return nullcontext(None)
    import httpx

    timeout = httpx.Timeout(settings.provider_timeout_seconds, connect=min(2.0, settings.provider_timeout_seconds))
    return httpx.AsyncClient(timeout=timeout, headers={"User-Agent": f"{settings.app_name} (account-verification)"})
