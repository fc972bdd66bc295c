"""The back ends chosen by settings, once at start-up; nothing else asks which one it is."""

from collections.abc import Callable

import httpx
from databases import Database

from components.providers.authy import AuthyVerifier
from components.providers.console import ConsoleSender
from components.providers.http import ProviderHttp
from components.providers.interface import SmsSender, Verifier
from components.providers.local import LocalVerifier
from components.providers.twilio_sms import TwilioSender
from components.providers.twilio_verify import TwilioVerifyVerifier
from components.settings import Settings


def make_sender(settings: Settings, client: httpx.AsyncClient) -> SmsSender:
    if settings.sms_provider == "twilio":
        return TwilioSender(
            client, account_sid=settings.twilio_account_sid, auth_token=settings.twilio_auth_token,
            base_url=settings.twilio_api_url, from_number=settings.twilio_number,
            messaging_service_sid=settings.twilio_messaging_service_sid,
        )
    return ConsoleSender(settings.sms_outbox)


def make_verifier(
    settings: Settings, db: Database, client: httpx.AsyncClient, sender: SmsSender, clock: Callable[[], float],
) -> Verifier:
    if settings.verify_provider == "authy":
        return AuthyVerifier(
            ProviderHttp(client, "authy"), db, api_key=settings.authy_api_key, base_url=settings.authy_api_url,
        )
    if settings.verify_provider == "twilio-verify":
        return TwilioVerifyVerifier(
            ProviderHttp(client, "twilio-verify"), account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token, service_sid=settings.twilio_verify_service_sid,
            base_url=settings.twilio_verify_api_url,
        )
    return LocalVerifier(
        db, sender, secret=settings.app_secret, app_name=settings.app_name, host=settings.public_host,
        ttl_seconds=settings.code_ttl_seconds, max_attempts=settings.code_max_attempts, clock=clock,
    )


def http_client(settings: Settings) -> httpx.AsyncClient:
    """The one client every provider shares: pooled connections, short timeouts."""
    timeout = httpx.Timeout(settings.provider_timeout_seconds, connect=min(2.0, settings.provider_timeout_seconds))
    return httpx.AsyncClient(timeout=timeout, headers={"User-Agent": f"{settings.app_name} (account-verification)"})
