"""The app's services, chosen once at start-up from settings."""

import time
from collections.abc import Callable
from dataclasses import dataclass

from databases import Database

from components.local_verifier import LocalVerifier
from components.passwords import Passwords
from components.settings import Settings, SettingsError
from components.sms import ConsoleSender, SmsSender
from components.users import Users
from components.verification import Verifier


@dataclass(frozen=True)
class Services:
    settings: Settings
    users: Users
    passwords: Passwords
    verifier: Verifier
    sender: SmsSender
    clock: Callable[[], float]


def make_sender(settings: Settings) -> SmsSender:
    if settings.sms_provider == "console":
        return ConsoleSender(settings.sms_outbox)
    raise SettingsError(f"SMS_PROVIDER={settings.sms_provider} is not available yet")


def make_verifier(settings: Settings, db: Database, sender: SmsSender, clock: Callable[[], float]) -> Verifier:
    if settings.verify_provider == "local":
        return LocalVerifier(
            db, sender, secret=settings.app_secret, app_name=settings.app_name, host=settings.public_host,
            ttl_seconds=settings.code_ttl_seconds, max_attempts=settings.code_max_attempts, clock=clock,
        )
    raise SettingsError(f"VERIFY_PROVIDER={settings.verify_provider} is not available yet")


def build_services(
    settings: Settings, db: Database, *, sender: SmsSender | None = None, clock: Callable[[], float] = time.time,
) -> Services:
    sender = sender or make_sender(settings)
    return Services(
        settings=settings,
        users=Users(db, clock),
        passwords=Passwords(settings.bcrypt_rounds),
        verifier=make_verifier(settings, db, sender, clock),
        sender=sender,
        clock=clock,
    )
