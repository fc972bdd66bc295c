"""The keys ID tokens (and logout tokens) are signed with, shared by every instance.

Made on the first start and kept in the database, the private part encrypted
with a key drawn from APP_SECRET (a copy of the table signs nothing). Each
algorithm's keys come in generations: `python app.py keys rotate` adds the next,
published in the JWKS at once but signing only after ROTATION_GRACE_SECONDS (longer
than JWKS_MAX_AGE_SECONDS, so every app has seen it first); the one before it is
published until every token it signed has expired, then dropped.
"""

import base64
import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from anyio import to_thread
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from databases import Database
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeyParameters, RSAKey

from components.durations import HOUR, MINUTE
from components.storage.database import insert, signing_keys

log = logging.getLogger(__name__)
ALGORITHMS = ("RS256", "ES256")
JWKS_MAX_AGE_SECONDS = 15 * MINUTE  # how long apps may cache the JWKS (its Cache-Control)
ROTATION_GRACE_SECONDS = HOUR  # a new key is published this long before it signs
TOKEN_SECONDS = 10 * MINUTE  # the longest any token signed here lives (ID tokens)
CACHE_SECONDS = 60  # each worker reads the keys again this often (a rotation reaches it)

Key = RSAKey | ECKey


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str
    generation: int
    signs_from: float
    key: Key


def _generated(alg: str) -> Key:
    if alg == "RS256":
        return RSAKey.generate_key(2048, private=True)
    return ECKey.generate_key("P-256", private=True)


class KeyRing:
    def __init__(self, db: Database, app_secret: str, clock: Callable[[], float]):
        self.db = db
        self.clock = clock
        self._cipher = AESGCM(hmac.new(app_secret.encode(), b"oidc signing keys", hashlib.sha256).digest())
        self._keys: list[SigningKey] = []
        self._read_at = -float("inf")

    async def ensure(self) -> None:
        """A key for each algorithm that has none this APP_SECRET opens, signing at once.
        Instances starting together each try; the unique generation keeps one."""
        usable = {key.alg for key in await self.keys()}
        generations = await self._generations()
        for alg in ALGORITHMS:
            if alg not in usable:
                await self._add(alg, generation=generations.get(alg, 0) + 1, signs_from=self.clock())
        self._read_at = -float("inf")

    async def rotate(self) -> list[SigningKey]:
        """The next generation of every algorithm's key: published now, signing after the grace."""
        signs_from = self.clock() + ROTATION_GRACE_SECONDS
        generations = await self._generations()
        for alg in ALGORITHMS:
            await self._add(alg, generation=generations.get(alg, 0) + 1, signs_from=signs_from)
        self._read_at = -float("inf")
        return [key for key in await self.keys() if key.signs_from == signs_from]

    async def _generations(self) -> dict[str, int]:
        newest = sa.select(signing_keys.c.alg, sa.func.max(signing_keys.c.generation)).group_by(signing_keys.c.alg)
        return {row[0]: row[1] for row in await self.db.fetch_all(newest)}

    async def _add(self, alg: str, *, generation: int, signs_from: float) -> None:
        key = await to_thread.run_sync(_generated, alg)  # an RSA key takes a while to find
        kid = secrets.token_urlsafe(12)
        statement = insert(self.db, signing_keys).values(
            kid=kid, alg=alg, generation=generation, private_key=self._sealed(kid, key), signs_from=signs_from
        )
        await self.db.execute(statement.on_conflict_do_nothing())

    def _sealed(self, kid: str, key: Key) -> str:
        nonce = os.urandom(12)
        pem = key.as_pem(private=True)
        return base64.b64encode(nonce + self._cipher.encrypt(nonce, pem, kid.encode())).decode()

    def _usable(self, row: Any) -> SigningKey | None:
        try:
            key = self._opened(row)
        except InvalidTag:  # sealed under another APP_SECRET: ensure() makes one this secret opens
            log.error("signing key %s cannot be opened with this APP_SECRET: it is not used", row["kid"])
            return None
        return SigningKey(row["kid"], row["alg"], row["generation"], row["signs_from"], key)

    def _opened(self, row: Any) -> Key:
        kid, alg = row["kid"], row["alg"]
        raw = base64.b64decode(row["private_key"])
        pem = self._cipher.decrypt(raw[:12], raw[12:], kid.encode())
        parameters: KeyParameters = {"kid": kid, "alg": alg, "use": "sig"}
        return RSAKey.import_key(pem, parameters) if alg == "RS256" else ECKey.import_key(pem, parameters)

    async def keys(self) -> list[SigningKey]:
        """Every key kept, read at most every CACHE_SECONDS."""
        now = self.clock()
        if now - self._read_at > CACHE_SECONDS:
            rows = await self.db.fetch_all(sa.select(signing_keys).order_by(signing_keys.c.generation))
            self._keys = [key for row in rows if (key := self._usable(row))]
            self._read_at = now
        return self._keys

    async def signer(self, alg: str) -> SigningKey:
        """The key that signs now: the newest generation whose time has come."""
        now = self.clock()
        return max((key for key in await self.keys() if key.alg == alg and key.signs_from <= now), key=_generation)

    async def published(self) -> dict[str, Any]:
        """The JWKS: each key that signs or will, and each older one while a token it signed may live."""
        now = self.clock()
        keys = await self.keys()
        shown = [key for key in keys if not _retired(key, keys, now)]
        return {"keys": [key.key.as_dict(private=False) for key in shown]}

    async def verified_claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a token signed here with a key still kept (its age aside: an ID
        token given back as a hint may have expired); None for any other."""
        keys = {key.kid: key.key for key in await self.keys()}
        try:
            return dict(jwt.decode(token, lambda guest: keys[str(guest.headers().get("kid"))], ALGORITHMS).claims)
        except (JoseError, KeyError, ValueError):
            return None

    async def drop_retired(self) -> int:
        """Keys no token alive was signed with: how many went."""
        now = self.clock()
        keys = await self.keys()
        gone = [key.kid for key in keys if _retired(key, keys, now)]
        if gone:
            await self.db.execute(signing_keys.delete().where(signing_keys.c.kid.in_(gone)))
            self._read_at = -float("inf")
        return len(gone)


def _generation(key: SigningKey) -> int:
    return key.generation


def _retired(key: SigningKey, keys: list[SigningKey], now: float) -> bool:
    """A newer key of its algorithm has signed for longer than any token lives."""
    return any(
        other.alg == key.alg and other.generation > key.generation and other.signs_from + TOKEN_SECONDS + MINUTE < now
        for other in keys
    )
