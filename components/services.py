"""The app's services, built once at start-up and handed to every flow.

`client`: the HTTP client remote providers share (None when all are local).
"""

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from databases import Database

from components.background import Background
from components.oidc.backchannel_poster import BackchannelPoster
from components.oidc.keys import KeyRing
from components.passwords import Passwords
from components.proof_of_work import ProofOfWork
from components.providers.factory import make_sender, make_verifier
from components.providers.interface import SmsSender, Verifier
from components.remembered_browsers import RememberedBrowsers
from components.settings import Settings
from components.storage.activity import Activity
from components.storage.authorization_requests import AuthorizationRequests
from components.storage.clients import Clients
from components.storage.consents import Consents
from components.storage.conversions import Conversions
from components.storage.database import transaction
from components.storage.grants import Grants
from components.storage.limits import Limits
from components.storage.logout_notices import LogoutNotices
from components.storage.messages import Messages
from components.storage.passkeys import Passkeys
from components.storage.password_failures import PasswordFailures
from components.storage.remembered_browser_records import RememberedBrowserRecords
from components.storage.session_records import SessionRecords
from components.storage.users import Users

if TYPE_CHECKING:
    import httpx

    from components.providers.http import Sleep


@dataclass(frozen=True)
class Links:
    """The app's own paths that leave it (the route table names them): where a text
    tells its reader to go, where a provider reports back."""

    reset: str  # the reset's page: "if this wasn't you, reset your password"
    twilio_status: str  # Twilio's status callbacks
    cancel_number_change: Callable[[str], str]  # a waiting number change's cancel page, for its token


@dataclass(frozen=True)
class Services:
    settings: Settings
    users: Users
    sessions: SessionRecords
    passwords: Passwords
    password_failures: PasswordFailures
    limits: Limits
    conversions: Conversions
    messages: Messages
    verifier: Verifier
    sender: SmsSender
    remembered: RememberedBrowsers
    known: RememberedBrowsers
    proof_of_work: ProofOfWork
    background: Background
    # Other apps signing their users in here (OpenID Connect).
    clients: Clients
    authorizations: AuthorizationRequests
    consents: Consents
    grants: Grants
    keys: KeyRing
    logout_notices: LogoutNotices
    passkeys: Passkeys
    remembered_browsers: RememberedBrowserRecords
    activity: Activity
    backchannel: BackchannelPoster
    clock: Callable[[], float]
    db: Database
    links: Links

    def transaction(self) -> AbstractAsyncContextManager[object]:
        """Changes that stand or fall together (a change and the text it causes)."""
        return transaction(self.db)


def build_services(
    settings: Settings,
    db: Database,
    client: "httpx.AsyncClient | None",
    links: Links,
    *,
    sender: SmsSender | None = None,
    clock: Callable[[], float] = time.time,
    sleep: "Sleep" = asyncio.sleep,
) -> Services:
    """`sender`, `clock` and `sleep`: a test's own (sleep: what a provider's Retry-After waits with)."""
    sender = sender or make_sender(settings, client, links.twilio_status, sleep)
    return Services(
        settings=settings,
        users=Users(db, clock),
        sessions=SessionRecords(db, clock),
        passwords=Passwords(settings.bcrypt_rounds),
        password_failures=PasswordFailures(db, clock),
        limits=Limits(db, clock),
        conversions=Conversions(db, clock),
        messages=Messages(db, clock),
        verifier=make_verifier(settings, db, client, sender, clock, sleep),
        sender=sender,
        remembered=RememberedBrowsers(
            settings.app_secret, settings.remember_browser_days, production=settings.production, clock=clock
        ),
        known=RememberedBrowsers(
            settings.app_secret, settings.known_browser_days, production=settings.production, clock=clock, kind="known"
        ),
        proof_of_work=ProofOfWork(
            settings.app_secret,
            difficulty=settings.proof_of_work_difficulty,
            wait_seconds=settings.proof_of_work_wait_seconds,
            clock=clock,
        ),
        background=Background(),
        clients=Clients(db, clock),
        authorizations=AuthorizationRequests(db, clock),
        consents=Consents(db, clock),
        grants=Grants(db, clock),
        keys=KeyRing(db, settings.app_secret, clock),
        logout_notices=LogoutNotices(db, clock),
        passkeys=Passkeys(db, clock),
        remembered_browsers=RememberedBrowserRecords(db, clock),
        activity=Activity(db, clock),
        backchannel=BackchannelPoster(f"{settings.app_name} (account-verification)"),
        clock=clock,
        db=db,
        links=links,
    )
