"""Password hashing with bcrypt, off the event loop.

bcrypt reads only the first 72 bytes, so the password is pre-hashed with
SHA-256 (base64, 44 bytes, no NUL) and every character counts.

Hashes run one per core at most: more threads would not hash faster, but
would take CPU time from the event loop and the shared thread pool's slots
from everything else (a signup rush would stall page loads).
"""

import base64
import hashlib
import os

import bcrypt
from anyio import CapacityLimiter, to_thread


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


class Passwords:
    def __init__(self, rounds: int):
        self.rounds = rounds
        self._unknown_user_hash: str | None = None
        self._cores = CapacityLimiter(os.cpu_count() or 1)

    async def hash(self, password: str) -> str:
        hashed = await to_thread.run_sync(bcrypt.hashpw, _prehash(password), bcrypt.gensalt(self.rounds),
                                          limiter=self._cores)
        return hashed.decode()

    async def check(self, password: str, password_hash: str | None) -> bool:
        """With no hash (unknown account) the same work is done, so timing tells nothing."""
        if password_hash is None:
            self._unknown_user_hash = self._unknown_user_hash or await self.hash("no such account")
        target = (password_hash or self._unknown_user_hash).encode()
        matches = await to_thread.run_sync(bcrypt.checkpw, _prehash(password), target, limiter=self._cores)
        return matches and password_hash is not None
