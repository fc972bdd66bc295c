"""An app asks to sign a visitor in: what happens next, knowing nothing of HTTP.

The visitor signs in (or up) first when nobody is, or when the app asks for a
fresh sign-in (`prompt=login`, one older than `max_age`, or one not made with a
passkey when `acr_values` asks first for `phr`); a third-party app
is then allowed by the account's owner (once, until removed); and the app gets
a code, back at its own address. `prompt=none` is answered at once, never shown.
Every answer that goes back to the app carries `iss` (RFC 9207).
"""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit, urlunsplit

from components import metrics
from components.oidc.id_tokens import PHISHING_RESISTANT, acr_of
from components.oidc.requests import AuthorizationRequest
from components.services import Services
from components.storage.clients import Client
from components.storage.users import User

log = logging.getLogger(__name__)
CODE_SECONDS = 60  # an authorization code's life (RFC 9700 §4.2: short)
REQUEST_SECONDS = 30 * 60  # a request waits this long for its visitor to sign up or in


@dataclass(frozen=True)
class SignedIn:
    """The browser's sign-in: whose, since when, and what it proved (RFC 8176 names)."""

    user: User
    auth_time: float
    amr: tuple[str, ...]


@dataclass(frozen=True)
class SignInFirst:
    """The visitor signs in (`signup`: or creates an account) first; `afresh`: the browser's
    current sign-in does not do, so it ends first."""

    signup: bool
    afresh: bool


@dataclass(frozen=True)
class AskConsent:
    """The account's owner says whether the app may know `scopes`."""

    scopes: tuple[str, ...]


@dataclass(frozen=True)
class BackToApp:
    location: str


Next = SignInFirst | AskConsent | BackToApp


def back(redirect_uri: str, state: str | None, issuer: str, **params: str) -> BackToApp:
    """The app's address with `params`, `state` and `iss` added to its own query."""
    answer = {**params, **({"state": state} if state is not None else {}), "iss": issuer}
    parts = urlsplit(redirect_uri)
    query = "&".join(part for part in (parts.query, urlencode(answer)) if part)
    return BackToApp(urlunsplit(parts._replace(query=query)))


async def authorize(
    services: Services, client: Client, request: AuthorizationRequest, signed: SignedIn | None, issuer: str
) -> Next:
    if _sign_in_needed(services, request, signed):
        if "none" in request.prompt:
            return _refused(client, request, issuer, "login_required")
        return SignInFirst(signup="create" in request.prompt, afresh=signed is not None)
    assert signed is not None
    if not client.first_party:
        allowed = await services.consents.scopes(signed.user.id, client.client_id)
        if "consent" in request.prompt or not set(request.scopes) <= allowed:
            if "none" in request.prompt:
                return _refused(client, request, issuer, "consent_required")
            return AskConsent(request.scopes)
    else:  # never asked, but listed on the account page as an app that can sign its owner in
        await services.consents.allow(signed.user.id, client.client_id, frozenset(request.scopes))
    return await _code(services, client, request, signed, issuer)


async def consent_given(
    services: Services,
    client: Client,
    request: AuthorizationRequest,
    signed: SignedIn,
    issuer: str,
    *,
    allowed: bool,
) -> BackToApp:
    """The owner's answer to the consent step."""
    if not allowed:
        log.info("app refused: user=%s client=%s", signed.user.id, client.client_id)
        return _refused(client, request, issuer, "access_denied")
    await services.consents.allow(signed.user.id, client.client_id, frozenset(request.scopes))
    await services.activity.record(signed.user.id, "app-allowed", detail=client.name)
    log.info("app allowed: user=%s client=%s scopes=%s", signed.user.id, client.client_id, " ".join(request.scopes))
    return await _code(services, client, request, signed, issuer)


def _sign_in_needed(services: Services, request: AuthorizationRequest, signed: SignedIn | None) -> bool:
    if signed is None or "login" in request.prompt:
        return True
    if request.acr_values[:1] == (PHISHING_RESISTANT,) and acr_of(signed.amr) is None:
        return True  # a passkey's sign-in asked first: the visitor signs in again (a password's still does)
    return request.max_age is not None and services.clock() - signed.auth_time > request.max_age


def _refused(client: Client, request: AuthorizationRequest, issuer: str, error: str) -> BackToApp:
    metrics.OIDC_AUTHORIZATIONS.labels(error).inc()
    log.info("authorization refused: client=%s error=%s", client.client_id, error)
    return back(request.redirect_uri, request.state, issuer, error=error)


async def _code(
    services: Services, client: Client, request: AuthorizationRequest, signed: SignedIn, issuer: str
) -> BackToApp:
    code = await services.grants.start(
        client_id=client.client_id,
        user_id=signed.user.id,
        scope=" ".join(request.scopes),
        nonce=request.nonce,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        auth_time=signed.auth_time,
        amr=signed.amr,
        code_seconds=CODE_SECONDS,
    )
    metrics.OIDC_AUTHORIZATIONS.labels("code").inc()
    log.info("authorization code issued: user=%s client=%s", signed.user.id, client.client_id)
    return back(request.redirect_uri, request.state, issuer, code=code)
