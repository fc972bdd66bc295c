"""What the attack tests share: a wrong code, a verifier another request can
overtake, counters of what reaches a check, and a guesser that waits out every
lock."""

import asyncio
from dataclasses import replace

import bcrypt
from support import Visitor, words

from components.providers.local import LocalVerifier

WRONG = "0000000"  # seven digits: never a six-digit code

GUESSES = 200  # several times each bound tested (10, 20, 30): every guess past it is refused alike

# Every send limit off: the shared ceilings (and so one network's share of them) included.
UNLIMITED_SENDS = {
    "sends_per_number_hour": 0,
    "sends_per_number_day": 0,
    "sends_per_address_hour": 0,
    "sends_per_prefix_hour": 0,
    "sends_per_country_hour": 0,
    "conversion_min_percent": 0,
}


class FirstCallWaits:
    """A verifier whose first call of `method` (start or check) reaches the provider
    only when released: the moment another request gets there first."""

    def __init__(self, verifier, method: str):
        self.verifier, self.method = verifier, method
        self.waiting, self.released = asyncio.Event(), asyncio.Event()

    def __getattr__(self, name):
        found = getattr(self.verifier, name)
        if name != self.method:
            return found

        async def first_waits(*args):
            if not self.waiting.is_set():
                self.waiting.set()
                await self.released.wait()
            return await found(*args)

        return first_waits


async def overtaken(services, method: str, act) -> tuple:
    """`act(services)` twice at once, the first reaching the provider's `method` only
    once the second has finished: the first's answer, then the second's."""
    gate = FirstCallWaits(services.verifier, method)
    racing = replace(services, verifier=gate)
    late = asyncio.create_task(act(racing))
    await gate.waiting.wait()
    second = await act(racing)
    gate.released.set()
    return await late, second


def local_checks(monkeypatch) -> callable:
    """How many guesses reached the local verifier's check."""
    calls = []
    original = LocalVerifier.check

    async def counted(self, user, code, purpose=None):
        calls.append(code)
        return await original(self, user, code, purpose)

    monkeypatch.setattr(LocalVerifier, "check", counted)
    return lambda: len(calls)


def check_counter(monkeypatch, verify: str, fake) -> callable:
    """How many guesses reached the code check (the provider's, or our own)."""
    if verify != "local":
        return lambda: fake.count("verify.check" if verify == "twilio-verify" else "authy.verify")
    return local_checks(monkeypatch)


def bcrypt_checks(monkeypatch) -> callable:
    calls = []
    original = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *args: calls.append(1) or original(*args))
    return lambda: len(calls)


def guess_through_every_lock(visitor: Visitor, clock, checks, guesses: int):
    """Wrong codes one after another until `guesses` reached the check, asking for a
    new code when one is spent and waiting out each hour's lock (signing in again:
    the session idled out, and a new code: the last one expired). The last answer."""
    for _ in range(2 * guesses):  # a bound: a guess that never reaches the check fails, not loops
        page = visitor.enter_code(WRONG)
        if checks() == guesses:
            return page
        if "Too many wrong tries" in words(page):
            clock.advance(30)
            visitor.resend()
        elif "Try again in 60 minutes" in words(page):
            clock.advance(3601)
            visitor.sign_in()
            visitor.resend()  # the last code expired meanwhile
    raise AssertionError(f"of {2 * guesses} guesses, {checks()} reached the check: {words(page)}")
