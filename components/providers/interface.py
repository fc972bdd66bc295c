"""What every verification and SMS back end does, and the outcomes it reports.

The flows import only this module: they never branch on which provider is
configured, so a provider changes without touching a flow or a route.
"""

from dataclasses import dataclass
from typing import Literal, Protocol

from components.purposes import Purpose
from components.storage.users import User

Channel = Literal["sms", "call", "whatsapp"]  # whatsapp: through Twilio Verify only


@dataclass(frozen=True)
class Receipt:
    """A provider took a text: its id there and first status. `later`: statuses a
    simulated carrier (the console) reports after so many seconds, as (seconds,
    status, error code); a real provider reports them by callback instead."""

    sid: str
    status: str
    later: tuple[tuple[float, str, str | None], ...] = ()
    followed: bool = True  # False: no status will come (no address for callbacks)


@dataclass(frozen=True)
class Sent:
    channel: Channel
    receipt: Receipt | None = None  # None: no delivery status will come (Verify, Authy)


@dataclass(frozen=True)
class Approved:
    pass


@dataclass(frozen=True)
class WrongCode:
    attempts_left: int | None  # None: the provider does not say


@dataclass(frozen=True)
class Expired:
    """No live code: it timed out, was used, or was replaced."""


@dataclass(frozen=True)
class TooManyAttempts:
    pass


@dataclass(frozen=True)
class RateLimited:
    retry_after: int


@dataclass(frozen=True)
class Undeliverable:
    """The number cannot get this message: not SMS-capable (`try_call`), not on WhatsApp
    (`try_text`), or the destination is blocked."""

    try_call: bool
    try_text: bool = False


@dataclass(frozen=True)
class Unavailable:
    """The code could not be sent or checked; nothing about the account changed."""


StartOutcome = Sent | RateLimited | Undeliverable | Unavailable
CheckOutcome = Approved | WrongCode | Expired | TooManyAttempts | RateLimited | Unavailable


class Verifier(Protocol):
    channels: tuple[Channel, ...]  # what it can reach, narrowed by VERIFY_CHANNELS (providers/factory.py)

    # `purpose`: what the code is for; None, what the account waits for (`User.challenge`).
    # A local reset code lives apart from the account's other code; a provider that keeps
    # one verification per number (Verify, Authy) has one code for both.
    async def start(self, user: User, channel: Channel, purpose: Purpose | None = None) -> StartOutcome:
        """Send a new code to the user's phone; any earlier code for the same purpose stops working."""

    async def check(self, user: User, code: str, purpose: Purpose | None = None) -> CheckOutcome:
        """Check a code the user typed (digits only)."""

    async def cancel(self, user: User, purpose: Purpose | None = None) -> None:
        """Forget the pending code (the number is being changed)."""


@dataclass(frozen=True)
class Message:
    to: str
    body: str
    channel: Channel = "sms"  # sms or call
    language: str = "en"  # what a call is spoken in


class SendFailed(Exception):
    """The message did not go out: `reason` is for operators (never secret),
    `outcome` is what it means for the visitor."""

    def __init__(
        self,
        reason: str,
        outcome: RateLimited | Undeliverable | Unavailable = Unavailable(),
        *,
        may_retry: bool = True,
    ):
        super().__init__(reason)
        self.outcome = outcome
        # False when the provider refused this very text (a 4xx other than 429): sending it
        # again gets the same answer.
        self.may_retry = may_retry and not isinstance(outcome, Undeliverable)


class SmsSender(Protocol):
    can_call: bool

    async def send(self, message: Message) -> Receipt:
        """Hand the message to the provider or raise SendFailed."""
