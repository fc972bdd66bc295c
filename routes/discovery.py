"""How apps find this provider (OpenID Connect Discovery 1.0): what it supports,
where its endpoints are, and the keys its tokens are signed with. Each lists
only what is really there."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from components.language import LANGUAGES
from components.oidc.id_tokens import PHISHING_RESISTANT
from components.oidc.keys import ALGORITHMS, JWKS_MAX_AGE_SECONDS
from components.oidc.requests import SCOPES
from components.web.cors import shared
from components.web.incoming import issuer_of, services_of
from components.web.step_table import path_to

CLAIMS = (
    *("sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr", "acr", "azp"),
    *("name", "locale", "email", "email_verified", "phone_number", "phone_number_verified"),
)


async def configuration(request: Request) -> Response:
    """GET /.well-known/openid-configuration"""
    issuer = issuer_of(request)

    def at(name: str) -> str:
        return issuer + path_to(request, name)

    document = {
        "issuer": issuer,
        "authorization_endpoint": at("authorize"),
        "token_endpoint": at("token"),
        "userinfo_endpoint": at("userinfo"),
        "jwks_uri": at("jwks"),
        "revocation_endpoint": at("revoke"),
        "end_session_endpoint": at("end_session"),
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": False,
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ALGORITHMS),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": list(CLAIMS),
        "prompt_values_supported": ["none", "login", "consent", "create"],
        "acr_values_supported": [PHISHING_RESISTANT],
        "ui_locales_supported": list(LANGUAGES),
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "authorization_response_iss_parameter_supported": True,
    }
    return shared(JSONResponse(document, headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"}))


async def jwks(request: Request) -> Response:
    """GET /jwks.json: every key that signs, will sign, or signed a token still alive."""
    keys = await services_of(request).keys.published()
    return shared(JSONResponse(keys, headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"}))
