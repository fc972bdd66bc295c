"""The app's services, built once at start-up and handed to every flow."""

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from databases import Database

from components.passwords import Passwords
from components.providers.factory import make_sender, make_verifier
from components.providers.interface import SmsSender, Verifier
from components.settings import Settings
from components.storage.limits import Limits
from components.storage.users import Users


@dataclass(frozen=True)
class Services:
    settings: Settings
    users: Users
    passwords: Passwords
    limits: Limits
    verifier: Verifier
    sender: SmsSender
    clock: Callable[[], float]


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
