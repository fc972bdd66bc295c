"""The app's services, chosen once at start-up from settings."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from databases import Database

from components.authy_verifier import AuthyVerifier
from components.limits import Limits
from components.local_verifier import LocalVerifier
from components.passwords import Passwords
from components.provider_http import ProviderHttp
from components.settings import Settings
from components.sms import ConsoleSender, SmsSender
from components.twilio_sms import TwilioSender
from components.twilio_verify import TwilioVerifyVerifier
from components.users import Users
from components.verification import Verifier


@dataclass(frozen=True)
class Services:
    settings: Settings
    users: Users
    passwords: Passwords
    limits: Limits
    verifier: Verifier
    sender: SmsSender
    clock: Callable[[], float]


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


def build_services(
    settings: Settings, db: Database, client: httpx.AsyncClient, *,
    sender: SmsSender | None = None, clock: Callable[[], float] = time.time,
) -> Services:
    sender = sender or make_sender(settings, client)
    return Services(
        settings=settings,
        users=Users(db, clock),
        passwords=Passwords(settings.bcrypt_rounds),
        limits=Limits(db, clock),
        verifier=make_verifier(settings, db, client, sender, clock),
        sender=sender,
        clock=clock,
    )
