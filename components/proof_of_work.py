"""Proof of work, asked of new visitors only while a ceiling that strangers share is
nearly full (flows/sending.py decides when): an ALTCHA challenge (SHA-256, solved in
the browser by static/proof.js, verified by the altcha library without any state), or,
without JavaScript, a wait of its own.

A puzzle and a wait are bound to one account's next code (`bound`: the account, what
its code is for, the number, when its last code went), so each buys one code and cannot
be replayed for another account or a later code. A wait starts when the session is
first shown it (the session keeps when). Ages are read off the app's clock (the
library would read the system's)."""

import hashlib
import hmac
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from altcha.v1 import ChallengeOptions, Payload, create_challenge, verify_solution

PUZZLE_SECONDS = 10 * 60  # a puzzle or a wait left this long is asked again
ALGORITHM: Final = "SHA-256"  # what static/proof.js computes: anything else is refused
Waiting = tuple[str, float]  # a wait: the code it is for (a digest), and since when


@dataclass(frozen=True)
class Proof:
    """What a visitor brings along with a code request: a solved puzzle (ALTCHA's
    base64 payload), the wait their session started, and whether this browser has a
    history of entering codes (a known-browser cookie, of any account), which no
    puzzle is asked of."""

    solution: str = ""
    waiting: Waiting | None = None
    history: bool = False


NO_PROOF = Proof()


@dataclass(frozen=True)
class Puzzle:
    challenge: dict[str, Any]  # ALTCHA's: algorithm, challenge, maxNumber, salt, signature
    waiting: Waiting  # the session keeps it: a wait started is not started again
    wait_left: int  # seconds, for a visitor without JavaScript


class ProofOfWork:
    def __init__(self, secret: str, *, difficulty: int, wait_seconds: int, clock: Callable[[], float]) -> None:
        self.key = hmac.new(secret.encode(), b"proof-of-work", hashlib.sha256).hexdigest()
        self.difficulty = difficulty
        self.wait_seconds = wait_seconds
        self.clock = clock

    def ask(self, bound: str, waiting: Waiting | None) -> Puzzle:
        """A puzzle for this code, and the wait instead: the session's own if it is
        for this code and fresh (pressing early does not start it again), else from now."""
        now, digest = self.clock(), _digest(bound)
        options = ChallengeOptions(
            algorithm=ALGORITHM,
            max_number=self.difficulty,
            hmac_key=self.key,
            params={"for": digest, "until": str(int(now + PUZZLE_SECONDS))},
        )
        challenge = create_challenge(options)
        kept = waiting if waiting and self._fresh(digest, waiting) else (digest, now)
        return Puzzle(challenge.to_dict(), kept, self._left(kept))

    def wait_left(self, bound: str, proof: Proof) -> int:
        """0 when the proof holds for this code; else the seconds a visitor without
        JavaScript still has to wait (the whole wait, if their session started none)."""
        if proof.solution and self._solved(bound, proof.solution):
            return 0
        if proof.waiting is None or not self._fresh(_digest(bound), proof.waiting):
            return self.wait_seconds
        return self._left(proof.waiting)

    def _fresh(self, digest: str, waiting: Waiting) -> bool:
        return waiting[0] == digest and 0 <= self.clock() - waiting[1] <= PUZZLE_SECONDS

    def _left(self, waiting: Waiting) -> int:
        return max(0, math.ceil(waiting[1] + self.wait_seconds - self.clock()))

    def _solved(self, bound: str, solution: str) -> bool:
        try:
            payload = Payload.from_base64(solution)
            _, _, params = payload.parse_salt()
            ok, _ = verify_solution(payload, self.key, check_expires=False)
            until = float(params["until"][0])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            return False  # not a payload at all
        return ok and payload.algorithm == ALGORITHM and params["for"] == [_digest(bound)] and self.clock() < until


def _digest(bound: str) -> str:
    """What a puzzle names: the visitor sees it, so a digest rather than the account's id."""
    return hashlib.sha256(bound.encode()).hexdigest()[:24]
