"""What an app is told about an account: the claims its scopes allow, and the signed ID token.

The email is never claimed verified: this app checks the phone, not the
mailbox, and an app that took `email_verified` on trust could be handed
someone else's email. The phone is verified by the time any app sees it.
Signing happens on the event loop: an RS256 signature costs a third of a
millisecond, ES256 a twentieth (bench/oidc.py), about a thread's hand-off.
"""

import base64
import hashlib
from typing import Any

from joserfc import jwt

from components.oidc.keys import TOKEN_SECONDS, KeyRing
from components.storage.grants import Grant
from components.storage.users import User

# OpenID's ACR value for a phishing-resistant sign-in: here, one made with a passkey (RFC 8176 hwk or swk).
PHISHING_RESISTANT = "phr"


def acr_of(amr: tuple[str, ...]) -> str | None:
    """The sign-in's class, when it has one an app may ask for (`acr_values`)."""
    return PHISHING_RESISTANT if {"hwk", "swk"} & set(amr) else None


def claims_for(user: User, subject: str, scopes: frozenset[str]) -> dict[str, Any]:
    """The account's claims its scopes allow (userinfo's answer, and the ID token's part of it)."""
    claims: dict[str, Any] = {"sub": subject}
    if "profile" in scopes:
        claims.update(name=user.name, locale=user.language)
    if "email" in scopes:
        claims.update(email=user.email, email_verified=False)
    if "phone" in scopes:
        claims.update(phone_number=user.phone, phone_number_verified=True)
    return claims


def at_hash(access_token: str) -> str:
    """The left half of the token's SHA-256, base64url (OpenID Connect Core §3.1.3.6; SHA-256
    for both RS256 and ES256)."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


async def id_token(
    keys: KeyRing,
    *,
    issuer: str,
    alg: str,
    user: User,
    subject: str,
    grant: Grant,
    access_token: str,
    now: float,
    with_nonce: bool,
) -> str:
    """The signed ID token for a grant. `with_nonce`: the code's answer (a refresh's never echoes it)."""
    claims = {
        **claims_for(user, subject, grant.scopes),
        "iss": issuer,
        "aud": grant.client_id,
        "azp": grant.client_id,
        "iat": int(now),
        "exp": int(now) + TOKEN_SECONDS,
        "auth_time": int(grant.auth_time),
        "amr": list(grant.amr),
        "at_hash": at_hash(access_token),
    }
    if acr := acr_of(grant.amr):
        claims["acr"] = acr
    if with_nonce and grant.nonce is not None:
        claims["nonce"] = grant.nonce
    return await signed(keys, alg, claims)


async def signed(keys: KeyRing, alg: str, claims: dict[str, Any], typ: str = "JWT") -> str:
    signer = await keys.signer(alg)
    return jwt.encode({"alg": alg, "kid": signer.kid, "typ": typ}, claims, signer.key)
