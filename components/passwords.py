"""Password hashing with bcrypt, off the event loop and behind it.

bcrypt reads only the first 72 bytes, so the password is pre-hashed with
SHA-256 (base64, 44 bytes, no NUL) and every character counts. Before that it
is normalised (NFKC, as NIST SP 800-63B-4 asks): "é" typed as one code point or
two, or "ﬁ" as a ligature, is the same password on every keyboard. A hash made
before passwords were normalised is still accepted.

Hashes run in one process-wide pool of a thread per core: more threads would
not hash faster, but would take CPU time from the event loop. On Linux those
threads also run at a lower priority (nice 10), so while a signup rush keeps
every core hashing, a page load is still scheduled at once; when nothing else
wants the CPU, the hashes get all of it.
"""

import asyncio
import base64
import hashlib
import os
import sys
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import bcrypt

NICENESS = 10


def _normal(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


def _behind_the_event_loop() -> None:
    if sys.platform == "linux":  # elsewhere PRIO_PROCESS would lower the whole process
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)


T = TypeVar("T")


@cache
def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(os.cpu_count() or 1, thread_name_prefix="bcrypt", initializer=_behind_the_event_loop)


async def _run(function: Callable[..., T], *args: bytes) -> T:
    return await asyncio.get_running_loop().run_in_executor(_hashing_threads(), function, *args)


class Passwords:
    def __init__(self, rounds: int):
        self.rounds = rounds
        self._unknown_user_hash: str | None = None

    async def hash(self, password: str) -> str:
        return (await _run(bcrypt.hashpw, _prehash(_normal(password)), bcrypt.gensalt(self.rounds))).decode()

    async def check(self, password: str, password_hash: str | None) -> bool:
        """With no hash (unknown account) the same work is done, so timing tells nothing."""
        if password_hash is None:
            self._unknown_user_hash = self._unknown_user_hash or await self.hash("no such account")
        target = (password_hash or self._unknown_user_hash or "").encode()
        normal = _normal(password)
        matches = await _run(bcrypt.checkpw, _prehash(normal), target)
        if not matches and normal != password:  # a hash from before passwords were normalised
            matches = await _run(bcrypt.checkpw, _prehash(password), target)
        return bool(matches) and password_hash is not None
