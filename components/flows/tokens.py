"""The token endpoint's grants, revocation and userinfo, knowing nothing of HTTP.

A code works once, within CODE_SECONDS, for the client, address and PKCE
challenge it was issued with; shown a second time it revokes everything the
first use issued (RFC 9700 §4.2.1: the first use may have been an attacker's).
A refresh token works once too: a rotated one shown again revokes its whole
family (RFC 9700 §4.14.2). Every refusal is logged and counted; no code,
token or secret is in any log line.
"""

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import metrics
from components.durations import HOUR, MINUTE
from components.oidc.client_auth import Credentials, proves
from components.oidc.id_tokens import claims_for, id_token
from components.services import Services
from components.storage.clients import Client
from components.storage.grants import Grant, Issued, TokenKind
from components.storage.limits import Limit

log = logging.getLogger(__name__)
ACCESS_SECONDS = 10 * 60
REFRESH_SECONDS = 30 * 24 * 3600  # a refresh token unused this long ends (each use makes a new one)
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")  # RFC 7636 §4.1


@dataclass(frozen=True)
class TokenError:
    """RFC 6749 §5.2: `error` as JSON, 400; a client that failed to prove itself gets 401."""

    error: str
    description: str
    outcome: str = ""  # the metric's, where it says more than `error` (a replay, a reuse)
    retry_after: int | None = None  # a limit is full: 429, and when to try again

    @property
    def status(self) -> int:
        if self.retry_after:
            return 429
        return 401 if self.error == "invalid_client" else 400


async def client_for(services: Services, credentials: Credentials | None, address: str) -> Client | TokenError:
    """The client these credentials prove, within its limit; or invalid_client (unknown, wrong
    secret, wrong method), counted against the address: guessing secrets from it soon waits."""
    settings = services.settings
    failures = Limit(f"client-auth:address:{address}", settings.client_auth_failures_per_address_hour, HOUR)
    wait = await services.limits.wait(failures)
    if wait:
        log.warning("client authentication refused: reason=limit address=%s", address)
        return _slow_down(wait)
    client = await services.clients.get(credentials.client_id) if credentials else None
    if client and credentials and proves(client, credentials):
        per_client = Limit(f"token:client:{client.client_id}", settings.token_requests_per_client_minute, MINUTE)
        refused = await services.limits.take(per_client)
        return _slow_down(refused) if refused else client
    await services.limits.take(failures)
    method = credentials.method if credentials else "malformed"
    metrics.OIDC_CLIENT_AUTH_FAILURES.labels(method).inc()
    shown = client.client_id if client else "unknown"
    log.warning("client authentication failed: client=%s method=%s address=%s", shown, method, address)
    return TokenError("invalid_client", "the client could not be authenticated")


def _slow_down(wait: int) -> TokenError:
    return TokenError("slow_down", f"too many requests: try again in {wait} seconds", retry_after=wait)


async def grant(
    services: Services, client: Client, form: Mapping[str, str], issuer: str
) -> dict[str, Any] | TokenError:
    """The token endpoint's answer to `grant_type`."""
    grant_type = form.get("grant_type", "")
    if grant_type == "authorization_code":
        answer = await _exchange(services, client, form, issuer)
    elif grant_type == "refresh_token":
        answer = await _refresh(services, client, form, issuer)
    else:
        answer = TokenError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
    kind = grant_type if grant_type in ("authorization_code", "refresh_token") else "other"
    outcome = (answer.outcome or answer.error) if isinstance(answer, TokenError) else "issued"
    metrics.OIDC_TOKENS.labels(kind, outcome).inc()
    return answer


async def _exchange(
    services: Services, client: Client, form: Mapping[str, str], issuer: str
) -> dict[str, Any] | TokenError:
    code = form.get("code", "")
    found = await services.grants.by_code(code, client.client_id) if code else None
    if found is None:
        return TokenError("invalid_grant", "the code is not valid for this client")
    if found.code_used:
        await services.grants.revoke(found.id)
        log.warning("authorization code used twice: client=%s user=%s grant revoked", client.client_id, found.user_id)
        return TokenError("invalid_grant", "the code was already used; what it issued is revoked", "code-replayed")
    problem = _binding_problem(found, form)
    if problem:
        log.info("code refused: client=%s reason=%s", client.client_id, problem)
        return TokenError("invalid_grant", problem)
    issued = await services.grants.redeem(found, _expiries(services, found))
    if issued is None:  # expired, or another request used it a moment ago
        return TokenError("invalid_grant", "the code has expired or was already used")
    return await _answer(services, client, found, issued, issuer, with_nonce=True)


def _binding_problem(found: Grant, form: Mapping[str, str]) -> str | None:
    """What in the request does not match the code's request: address, PKCE."""
    if form.get("redirect_uri") != found.redirect_uri:
        return "redirect_uri does not match the authorization request"
    verifier = form.get("code_verifier")
    if found.code_challenge is None:
        # A verifier for a code asked without a challenge: a downgrade (RFC 9700 §4.8.2).
        return "code_verifier was sent, but the authorization request had no code_challenge" if verifier else None
    if verifier is None or not PKCE_VERIFIER.fullmatch(verifier):
        return "a code_verifier is required (43 to 128 characters)"
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return (
        None if hmac.compare_digest(digest, found.code_challenge) else "code_verifier does not match the code_challenge"
    )


async def _refresh(
    services: Services, client: Client, form: Mapping[str, str], issuer: str
) -> dict[str, Any] | TokenError:
    token = form.get("refresh_token", "")
    known = await services.grants.token(token) if token else None
    asked = form.get("scope")
    if known and asked is not None and set(asked.split()) != set(known["scope"].split()):
        return TokenError("invalid_scope", "a refresh keeps the scope it was granted")
    refreshed = await services.grants.refresh(token, client.client_id, _expiries(services, None)) if known else None
    if refreshed is None:
        if known and known["kind"] == "refresh" and known["used"] and known["client_id"] == client.client_id:
            await _reused(services, client, known["grant_id"])
            return TokenError("invalid_grant", "the refresh token was already used; its family is revoked", "reused")
        return TokenError("invalid_grant", "the refresh token is not valid")
    found, issued = refreshed
    return await _answer(services, client, found, issued, issuer, with_nonce=False)


async def _reused(services: Services, client: Client, grant_id: str) -> None:
    """A rotated refresh token shown again: its whole family goes (its owner signs in again)."""
    await services.grants.revoke(grant_id)
    log.warning("refresh token reused: client=%s grant revoked", client.client_id)


def _expiries(services: Services, found: Grant | None) -> dict[TokenKind, float]:
    """An access token always; a refresh token only for `offline_access` (a refresh's grant asked it)."""
    now = services.clock()
    expiries: dict[TokenKind, float] = {"access": now + ACCESS_SECONDS}
    if found is None or "offline_access" in found.scopes:
        expiries["refresh"] = now + REFRESH_SECONDS
    return expiries


async def _answer(
    services: Services, client: Client, found: Grant, issued: Issued, issuer: str, *, with_nonce: bool
) -> dict[str, Any] | TokenError:
    holder = await services.users.with_subject(found.user_id)
    if holder is None:  # closed since (its grants went with it) or never verified
        await services.grants.revoke(found.id)
        return TokenError("invalid_grant", "the account is no longer here")
    user, subject = holder
    answer: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": ACCESS_SECONDS,
        "scope": found.scope,
        "id_token": await id_token(
            services.keys,
            issuer=issuer,
            alg=client.id_token_alg,
            user=user,
            subject=subject,
            grant=found,
            access_token=issued.access_token,
            now=services.clock(),
            with_nonce=with_nonce,
        ),
    }
    if issued.refresh_token:
        answer["refresh_token"] = issued.refresh_token
    log.info("tokens issued: client=%s user=%s", client.client_id, user.id)
    return answer


async def revoke(services: Services, client: Client, token: str) -> None:
    """RFC 7009: the token ends (a refresh token, with its whole grant); an unknown one, or
    another client's, is no error and changes nothing."""
    known = await services.grants.token(token) if token else None
    if known is None or known["client_id"] != client.client_id:
        return
    if known["kind"] == "refresh":
        await services.grants.revoke(known["grant_id"])
    else:
        await services.grants.drop_token(token)
    log.info("token revoked: client=%s kind=%s", client.client_id, known["kind"])


async def userinfo(services: Services, access_token: str) -> dict[str, Any] | None:
    """The claims a live access token's scopes allow; None for any other token."""
    holder = await services.grants.access(access_token) if access_token else None
    if holder is None:
        return None
    return claims_for(holder.user, holder.subject, holder.grant.scopes)
