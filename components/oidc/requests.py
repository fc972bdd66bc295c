"""An app's authorization request, read and checked (OpenID Connect Core §3.1.2).

Two kinds of refusal: a request that names no registered client, or a redirect
address not registered for it, gets our own error page and never a redirect
(anything else would make this an open redirector); every other fault goes
back to the app's registered address with `error` (RFC 6749 §4.1.2.1).
Only the authorization code flow exists here, and PKCE only with S256.
"""

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from components.oidc.addresses import matches
from components.storage.clients import Client

SCOPES = ("openid", "profile", "email", "phone", "offline_access")
PROMPTS = frozenset({"none", "login", "consent", "create"})
LONGEST_VALUE = 2000  # characters of any one parameter: a request is kept for the visitor's whole journey
PKCE_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")  # S256: base64url of 32 bytes, unpadded
SINGLE = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "prompt", "max_age", "acr_values")


@dataclass(frozen=True)
class AuthorizationRequest:
    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    prompt: tuple[str, ...] = ()
    max_age: int | None = None
    login_hint: str | None = None
    ui_locales: tuple[str, ...] = ()
    acr_values: tuple[str, ...] = ()  # what the sign-in should have been, best first (voluntary: Core §3.1.2.1)

    def kept(self) -> dict[str, Any]:
        """As the request is kept while the visitor signs in (JSON)."""
        return asdict(self)

    @classmethod
    def from_kept(cls, kept: Mapping[str, Any]) -> "AuthorizationRequest":
        lists = ("scopes", "prompt", "ui_locales", "acr_values")
        values: dict[str, Any] = {name: tuple(value) if name in lists else value for name, value in kept.items()}
        return cls(**values)


@dataclass(frozen=True)
class NotForUs:
    """No redirect is safe: our own error page says why (the app's developer reads it)."""

    reason: str


@dataclass(frozen=True)
class Refused:
    """Back to the app's own address with `error` (and `state`, `iss`)."""

    redirect_uri: str
    error: str
    description: str
    state: str | None


def read_request(
    query: Mapping[str, str], repeated: set[str], client: Client | None
) -> AuthorizationRequest | NotForUs | Refused:
    """`repeated`: the parameters given more than once (RFC 6749 §3.1 refuses those)."""
    if client is None:
        return NotForUs("the app that sent you here is not registered (its client_id is unknown)")
    redirect_uri = query.get("redirect_uri", "")
    if "redirect_uri" in repeated or not matches(client.redirect_uris, redirect_uri):
        return NotForUs("the address to send you back to is not one registered for this app")
    state = query.get("state")

    def refused(error: str, description: str) -> Refused:
        return Refused(redirect_uri, error, description, state)

    problem = _problem(query, repeated, client)
    if problem:
        return refused(*problem)
    return AuthorizationRequest(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scopes=tuple(scope for scope in SCOPES if scope in query["scope"].split()),
        state=state,
        nonce=query.get("nonce"),
        code_challenge=query.get("code_challenge"),
        prompt=tuple(sorted(set(query.get("prompt", "").split()))),
        max_age=int(query["max_age"]) if "max_age" in query else None,
        login_hint=query.get("login_hint"),
        ui_locales=tuple(query.get("ui_locales", "").split()),
        acr_values=tuple(query.get("acr_values", "").split()),
    )


def _problem(query: Mapping[str, str], repeated: set[str], client: Client) -> tuple[str, str] | None:
    """(error, description) for the first fault of a request whose client and address are right."""
    if repeated & set(SINGLE):
        return "invalid_request", f"{sorted(repeated & set(SINGLE))[0]} is given more than once"
    if any(len(value) > LONGEST_VALUE for value in query.values()):
        return "invalid_request", f"a parameter is longer than {LONGEST_VALUE} characters"
    if "request" in query:
        return "request_not_supported", "request objects are not supported"
    if "request_uri" in query:
        return "request_uri_not_supported", "request_uri is not supported"
    if query.get("response_type") != "code":
        return "unsupported_response_type", "only the authorization code flow (response_type=code) is supported"
    if query.get("response_mode", "query") != "query":
        return "invalid_request", "only response_mode=query is supported"
    if "openid" not in query.get("scope", "").split():
        return "invalid_scope", "the scope must include openid"
    return _pkce_problem(query, client) or _prompt_problem(query)


def _pkce_problem(query: Mapping[str, str], client: Client) -> tuple[str, str] | None:
    challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            return "invalid_request", "code_challenge_method without a code_challenge"
        return (
            ("invalid_request", "PKCE is required of public clients (code_challenge with S256)")
            if client.public
            else None
        )
    if method != "S256":
        return "invalid_request", "only code_challenge_method=S256 is supported (plain is refused)"
    if not PKCE_CHALLENGE.fullmatch(challenge):
        return "invalid_request", "code_challenge is not an S256 challenge (43 characters of base64url)"
    return None


def _prompt_problem(query: Mapping[str, str]) -> tuple[str, str] | None:
    prompt = set(query.get("prompt", "").split())
    if prompt - PROMPTS:
        return "invalid_request", f"prompt {sorted(prompt - PROMPTS)[0]} is not supported"
    if "none" in prompt and len(prompt) > 1:
        return "invalid_request", "prompt=none cannot go with another prompt"
    max_age = query.get("max_age")
    if max_age is not None and not (max_age.isascii() and max_age.isdigit()):
        return "invalid_request", "max_age must be a whole number of seconds"
    return None
