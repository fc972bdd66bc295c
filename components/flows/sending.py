"""Sending codes, within every limit: cooldown, lock, per number, per address, overall."""

import asyncio
import logging
import math
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from typing import TypeVar

from components import metrics
from components.addresses import address_tiers, wide_group
from components.durations import DAY, HOUR, MINUTE
from components.flows.delivery import of_code, record_code
from components.flows.notifications import contact
from components.flows.pumping_guard import codes_paused, count_sent, ranges
from components.flows.results import (
    Failure,
    Notice,
    Pending,
    Success,
    failure,
    minutes,
    slow_down,
)
from components.phones import international_form, mask, on_one_line
from components.proof_of_work import NO_PROOF, Proof
from components.providers.interface import (
    Channel,
    RateLimited,
    Sent,
    Unavailable,
    Undeliverable,
)
from components.services import Services
from components.settings import Settings
from components.storage.limits import Limit, per_address
from components.storage.users import User
from components.text import Countries, LeftToRight, Text, _, _n, one_after_another

log = logging.getLogger(__name__)
T = TypeVar("T")
TYPED_HERE = ("signup", "number", "number-later")  # what a code is for, when its number was typed at this step
CODE_REPLACED = _("This code has expired or was replaced. Ask for a new code below.")
OUT_OF_TRIES = _("Too many wrong tries: this code no longer works. Ask for a new code below.")


def attempts_left(left: int) -> Text:
    return _n("That code is not right. %(num)d attempt left.", "That code is not right. %(num)d attempts left.", left)


def resend_wait(services: Services, user: User) -> int:
    """Seconds until this signup may be sent another code."""
    if user.code_sent_at is None:
        return 0
    left = user.code_sent_at + services.settings.resend_cooldown_seconds - services.clock()
    return max(0, math.ceil(left))


def locked_notice(services: Services, user: User) -> Failure:
    if user.codes_stopped:
        return failure(
            _(
                "Too many wrong codes in a row, so codes are stopped for this account. Contact us to unlock it: %(contact)s",
                contact=LeftToRight(contact(services)),
            ),
            kind="slow_down",
        )
    wait = math.ceil((user.locked_until or 0) - services.clock())
    return slow_down(
        _(
            "Too many wrong codes in a row, so checking is paused for this account. Try again in %(wait)s.",
            wait=minutes(wait),
        ),
        wait,
    )


def _limits(services: Services, user: User, address: str) -> list[Limit]:
    """The number's own limits and the address's, every tier. A signup's code also takes the
    ceilings that new numbers share, and one network's share of each; an account that
    entered its codes before is not held up by strangers' traffic."""
    settings = services.settings
    own = [
        Limit(f"send:number:{user.phone}", settings.sends_per_number_hour, HOUR),
        Limit(f"send:number-day:{user.phone}", settings.sends_per_number_day, DAY),
        *per_address(
            "send:address", address_tiers(address, settings.ipv6_prefix), settings.sends_per_address_hour, HOUR
        ),
    ]
    if user.verified:
        return own
    network = wide_group(address)
    return own + [
        limit
        for ceiling, judged in _ceilings(settings, user)
        for limit in (
            ceiling,
            Limit(
                f"send:share:{ceiling.name.removeprefix('send:')}:{network}",
                _share(settings, ceiling.allowed, judged),
                ceiling.window_seconds,
            ),
        )
    ]


def _ceilings(settings: Settings, user: User) -> list[tuple[Limit, int]]:
    """The ceilings new numbers share (their range, their country, all), each with the
    codes the pumping guard judges it on."""
    number_range = ranges(settings, user)
    return [
        (
            Limit(f"send:{number_range.prefix}", settings.sends_per_prefix_hour, HOUR),
            settings.conversion_min_sends_prefix,
        ),
        (
            Limit(f"send:{number_range.country}", settings.sends_per_country_hour, HOUR),
            settings.conversion_min_sends_country,
        ),
        (Limit("send:all", settings.sends_per_minute, MINUTE), 0),
    ]


async def proof_asked(services: Services, user: User, history: bool) -> bool:
    """Whether this code waits for proof of work: a new number's, for a browser with no
    history of entering codes, while a ceiling it shares with strangers is nearly full."""
    if not _may_ask_proof(services, user, history):
        return False  # nothing to read
    ceilings = [ceiling for ceiling, _ in _ceilings(services.settings, user)]
    return _nearly_full(services, user, await services.limits.states(*ceilings))


def _may_ask_proof(services: Services, user: User, history: bool) -> bool:
    return bool(services.settings.proof_of_work_percent) and not user.verified and not history


def _nearly_full(services: Services, user: User, states: list[tuple[Limit, float, int]]) -> bool:
    """A ceiling new numbers share is past PROOF_OF_WORK_PERCENT (of these limits' states)."""
    ceilings = {ceiling.key for ceiling, _ in _ceilings(services.settings, user)}
    fullest = max((used for limit, used, _ in states if limit.key in ceilings), default=0.0)
    return fullest * 100 >= services.settings.proof_of_work_percent


@dataclass(frozen=True)
class Offer:
    """What the code step may offer for new codes."""

    held_for: int  # seconds before any code could go out, past the resend wait (a lock, a pause, a full limit)
    proof: bool  # the next code waits for proof of work


async def offer(services: Services, account: User, address: str, history: bool) -> Offer:
    """The code step offers new codes only when they can work, and asks for proof of work
    when a code would: read together (one statement for every limit, one for a pause)."""
    user, now = recipient(account), services.clock()
    if user.locked(now):
        return Offer(math.ceil((user.locked_until or 0) - now), proof=False)
    paused = None if user.verified else await codes_paused(services, user)
    if paused:
        return Offer(paused[1], proof=False)
    states = await services.limits.states(*_limits(services, user, address))
    proof = _may_ask_proof(services, user, history) and _nearly_full(services, user, states)
    return Offer(max((wait for _, _, wait in states), default=0), proof)


def proof_bound(user: User) -> str:
    """What a proof of work buys: this account's next code (a code sent since needs another)."""
    return f"{user.id}:{user.challenge}:{user.phone}:{user.code_sent_at or 0:.3f}"  # stored or fresh, alike


def _share(settings: Settings, ceiling: int, judged: int) -> int:
    """One network's most of a shared ceiling: a tenth of it, and (where the pumping guard
    judges it) half the codes it judges on, so that no network pauses it for others on its
    own; but never fewer than one number's codes an hour. 0 (no share) where neither applies."""
    bounds = [ceiling // 10] if ceiling else []
    if judged and settings.conversion_min_percent:
        bounds.append(judged // 2)
    return max(settings.sends_per_number_hour, min(bounds), 1) if bounds else 0


async def within_deadline(services: Services, call: Awaitable[T]) -> T | Unavailable:
    """No provider holds a request longer than the send deadline."""
    try:
        async with asyncio.timeout(services.settings.send_timeout_seconds):
            return await call
    except TimeoutError:
        return Unavailable()


async def _send(
    services: Services, account: User, channel: Channel, address: str, proof: Proof
) -> tuple[User, Failure | None]:
    """Send a code for what the account is waiting on (its `challenge`), if every limit
    allows and any proof of work asked is there: the account as the attempt left it,
    and a Failure (what the visitor can do, and when) if no code went out."""
    user = recipient(account)
    if user.locked(services.clock()):
        log.warning("send refused: user=%s address=%s reason=locked", user.id, address)
        _counted(user, channel, "refused", "code:locked")
        return account, locked_notice(services, user)
    cooldown = (
        0 if await _call_after_undelivered(services, user, channel) else services.settings.resend_cooldown_seconds
    )
    if cooldown and (wait := resend_wait(services, user)):
        log.info("send refused: user=%s address=%s reason=cooldown retry_after=%s", user.id, address, wait)
        _counted(user, channel, "refused", "send:cooldown")
        return account, cooling_down(wait)
    if not user.verified and (paused := await codes_paused(services, user)):
        log.warning("send refused by the pumping guard: user=%s address=%s range=%s", user.id, address, paused[0])
        _counted(user, channel, "refused", f"pumping:{paused[0]}")
        return account, _codes_paused(user, *paused)
    if await proof_asked(services, user, proof.history) and (
        wait := services.proof_of_work.wait_left(proof_bound(user), proof)
    ):
        log.info("send waits for proof of work: user=%s address=%s", user.id, address)
        _counted(user, channel, "refused", "send:proof")
        return account, _prove_first(wait)
    settings = services.settings
    claimed = await services.users.claim_send(
        user.id,
        user.challenge,
        cooldown=cooldown,
        deadline=settings.send_timeout_seconds,
    )
    if claimed is None:  # a request racing this one sent first, or is sending now
        current = await services.users.get(user.id) or account
        return current, cooling_down(resend_wait(services, current) or _sending_wait(services, current))
    refused = await services.limits.take_or_refuse(*_limits(services, user, address))
    if refused is not None:
        full, wait = refused
        log.warning(
            "send refused by limits: user=%s address=%s limit=%s retry_after=%s", user.id, address, full.kind, wait
        )
        _counted(user, channel, "refused")
        released = await services.users.release_send(user.id) or account
        return released, _too_many(full, wait)
    outcome = await within_deadline(services, services.verifier.start(recipient(claimed), channel))
    if isinstance(outcome, Sent):
        log.info("code sent: user=%s channel=%s to=%s", user.id, channel, mask(user.phone))
        _counted(user, channel, "sent")
        await count_sent(services, user)
        await record_code(services, user, channel, outcome.receipt)
        return await services.users.confirm_send(user.id) or claimed, None
    log.warning("code not sent: user=%s channel=%s outcome=%s", user.id, channel, outcome)
    _counted(user, channel, type(outcome).__name__.lower())
    released = await services.users.release_send(user.id) or account
    return released, _not_sent(user, channel, outcome)


def _counted(user: User, channel: Channel, outcome: str, refused_by: str | None = None) -> None:
    metrics.CODES_SENT.labels(channel, outcome, user.country).inc()
    if refused_by:
        metrics.REFUSALS.labels(refused_by).inc()


async def _call_after_undelivered(services: Services, user: User, channel: Channel) -> bool:
    """A call asked for because the carrier said the text did not arrive: no cooldown,
    as the visitor has no code to wait for (every other limit still applies)."""
    if channel != "call":
        return False
    delivery = await of_code(services, user)
    return delivery is not None and delivery.state == "failed"


def _codes_paused(user: User, kind: str, wait: int) -> Failure:
    """Said plainly, with what still works: another number, or the wait."""
    if kind == "country":
        paused = _(
            "Codes to numbers in %(country)s are paused for a while because of unusual activity.",
            country=Countries((user.country,)),
        )
    else:
        paused = _("Codes to numbers like yours are paused for a while because of unusual activity.")
    instead = _("You can use a different number, or try again in %(wait)s.", wait=minutes(wait))
    return slow_down(one_after_another(paused, instead), wait)


def _too_many(full: Limit, wait: int) -> Failure:
    """What the full limit is about: this number, the visitor's network, or numbers like theirs."""
    if full.kind in ("send:number", "send:number-day"):
        said = _("Too many codes were requested for this number. Try again in %(wait)s.", wait=minutes(wait))
    elif full.kind in ("send:address", "send:share"):
        said = _("Too many codes were requested from your network. Try again in %(wait)s.", wait=minutes(wait))
    else:  # a ceiling new numbers share: their range's, their country's, everyone's
        said = _(
            "Too many codes are being requested for numbers like yours. Try again in %(wait)s.", wait=minutes(wait)
        )
    return slow_down(said, wait)


def _prove_first(wait: int) -> Failure:
    """A ceiling strangers share is nearly full: a person waits a moment (the code step
    says how long; with JavaScript, their browser works out a puzzle instead)."""
    return slow_down(_("Before we send a code, we make sure a person is asking."), wait)


def _sending_wait(services: Services, user: User) -> int:
    """Seconds until a send under way elsewhere has either gone out or been given up."""
    return max(1, math.ceil((user.sending_until or 0) - services.clock()))


def cooling_down(wait: int) -> Failure:
    return slow_down(
        _n("You can ask for a new code in %(num)d second.", "You can ask for a new code in %(num)d seconds.", wait),
        wait,
    )


def said_number(user: User) -> str:
    """The number a code goes to, as the code step says it: whole where the visitor has
    just typed it (a signup's, a new number), so that a typo shows; masked where they
    did not (a sign-in's, the current number's)."""
    return on_one_line(international_form(user.phone) if user.challenge in TYPED_HERE else mask(user.phone))


def _sent_notice(user: User, channel: Channel) -> Notice:
    if channel == "call":
        return Notice(_("We're calling %(phone)s now to read you a new code.", phone=LeftToRight(said_number(user))))
    if channel == "whatsapp":
        return Notice(_("We sent a new code to %(phone)s on WhatsApp.", phone=LeftToRight(said_number(user))))
    return Notice(_("We sent a new code to %(phone)s.", phone=LeftToRight(said_number(user))))


def _not_sent(user: User, channel: Channel, outcome: RateLimited | Undeliverable | Unavailable) -> Failure:
    phone = LeftToRight(said_number(user))
    if isinstance(outcome, RateLimited):
        wait = minutes(outcome.retry_after)
        return slow_down(
            _("Too many codes were requested for this number. Try again in %(wait)s.", wait=wait), outcome.retry_after
        )
    if isinstance(outcome, Undeliverable):
        if outcome.try_text:
            return failure(_("%(phone)s is not on WhatsApp. Ask for the code by text instead.", phone=phone))
        if channel == "call":
            return failure(_("We can't call %(phone)s with a code. Use a different number.", phone=phone))
        if outcome.try_call:
            return failure(_("We can't text a code to %(phone)s. Try a call, or use a different number.", phone=phone))
        return failure(_("We can't text a code to %(phone)s. Use a different number.", phone=phone))
    if channel == "whatsapp":
        unanswered = _("WhatsApp is not available to us right now, so no code was sent to %(phone)s.", phone=phone)
    elif channel == "call":
        unanswered = _("Our phone call provider is not answering, so no code was sent to %(phone)s.", phone=phone)
    else:
        unanswered = _("Our text message provider is not answering, so no code was sent to %(phone)s.", phone=phone)
    saved = _("Your account is saved: ask for a new code in a moment, or use a different number.")
    return failure(one_after_another(unanswered, saved), kind="unavailable")


def at_code_step(user: User, notice: Notice, *, fresh_session: bool = False) -> Success:
    """The code step, for the account's own signup or number, or for a sign-in still
    waiting for its code (whose session is not signed in: the account is only pending)."""
    if user.challenge == "signin":
        return Success(None, notice, fresh_session=fresh_session, pending=Pending("signin", user))
    return Success(user, notice, fresh_session=fresh_session)


def recipient(user: User) -> User:
    """The account as the code sees it: a new number's code goes to the new number."""
    if user.challenge in ("number", "number-later") and user.challenge_phone:
        return replace(user, phone=user.challenge_phone, country=user.challenge_country or user.country)
    return user


async def first_code(services: Services, user: User, address: str, proof: Proof = NO_PROOF) -> tuple[User, Notice]:
    """The code step comes next whether or not a code could be sent now: the account
    as the attempt left it, and what to tell the visitor."""
    current, failed = await _send(services, user, "sms", address, proof)
    return current, failed.notice if failed else Notice(_("Check your messages for the code."), quiet=True)


async def resend(
    services: Services, user: User, channel: Channel, address: str, proof: Proof = NO_PROOF
) -> Success | Failure:
    """Not received a code: a new one, by text or by call."""
    current, failed = await _send(services, user, channel, address, proof)
    if failed:
        return replace(failed, user=current)
    return at_code_step(current, _sent_notice(recipient(current), channel))
