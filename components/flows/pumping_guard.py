"""The pumping guard, whatever the provider: codes (texts and calls) to a number
range or a country whose codes are sent but not entered pause for a while.

SMS pumping shows up as low conversion: codes asked for numbers nobody types a
code from. A range is all of a number but its last PREFIX_TAIL_DIGITS digits.
Conversion is judged over codes old enough to have been entered (older than a
code lives) within CONVERSION_WINDOW_SECONDS, once a range has had
CONVERSION_MIN_SENDS_PREFIX of them (a country, CONVERSION_MIN_SENDS_COUNTRY).
Below CONVERSION_MIN_PERCENT verified, codes to it pause for
CONVERSION_PAUSE_SECONDS for new signups: every other range goes on, and
accounts that entered their codes before go on (flows/sending.py), so an
attack on one range locks nobody else out. One network (IPv4 /24, IPv6 /48)
may send under half the codes a range is judged on, so it cannot pause one alone.
"""

import logging
import math
from dataclasses import dataclass

from components.services import Services
from components.settings import Settings
from components.storage.users import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranges:
    prefix: str
    country: str

    @property
    def keys(self) -> tuple[str, str]:
        return self.prefix, self.country


def ranges(settings: Settings, user: User) -> Ranges:
    return Ranges(f"prefix:{user.phone[: -settings.prefix_tail_digits]}", f"country:{user.country}")


async def codes_paused(services: Services, user: User) -> tuple[str, int] | None:
    """When codes to this number's range or country are paused: which, and the seconds left."""
    paused = await services.conversions.paused(ranges(services.settings, user).keys)
    if paused is None:
        return None
    key, until = paused
    return key.split(":", 1)[0], math.ceil(until - services.clock())


async def count_sent(services: Services, user: User) -> None:
    """A code went out (a text or a call): counted, and its range and country judged again."""
    settings, now = services.settings, services.clock()
    checked = ranges(settings, user)
    await services.conversions.count("sent", checked.keys)
    settled = await services.conversions.totals(
        checked.keys,
        since=now - settings.conversion_window_seconds,
        until=now - settings.code_ttl_seconds,
    )
    for key, least in (
        (checked.prefix, settings.conversion_min_sends_prefix),
        (checked.country, settings.conversion_min_sends_country),
    ):
        sent, verified = settled.get(key, (0, 0))
        if sent >= least and verified * 100 < sent * settings.conversion_min_percent:
            await services.conversions.pause(key, now + settings.conversion_pause_seconds)
            log.warning(
                "pumping guard: codes to %s paused for %ss: %s of %s codes verified in the last %ss",
                key,
                settings.conversion_pause_seconds,
                verified,
                sent,
                settings.conversion_window_seconds,
            )


async def count_verified(services: Services, user: User) -> None:
    await services.conversions.count("verified", ranges(services.settings, user).keys)
