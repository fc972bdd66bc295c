"""Photo Prints: a tiny app whose users sign in with their phone-verified account.

It is an ordinary OpenID Connect client, built on authlib's Starlette
integration (nothing from this repository): it reads the provider's discovery
document, sends visitors there with PKCE and a nonce, checks the ID token, and
shows the claims it got, `phone_number_verified` among them.

    python app.py clients add --name "Photo Prints" --redirect-uri http://127.0.0.1:8001/callback \\
        --post-logout-redirect-uri http://127.0.0.1:8001/
    CLIENT_ID=… CLIENT_SECRET=… python examples/photo_prints.py

ACCOUNTS_URL is where the accounts app runs (its PUBLIC_URL; http://localhost:8000 by default).
"""

import html
import json
import os
from urllib.parse import urlencode

import uvicorn
from authlib.integrations.starlette_client import OAuth
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

ACCOUNTS_URL = os.environ.get("ACCOUNTS_URL", "http://localhost:8000")
PORT = int(os.environ.get("PORT", "8001"))
HERE = f"http://127.0.0.1:{PORT}"

oauth = OAuth()
oauth.register(
    "accounts",
    server_metadata_url=f"{ACCOUNTS_URL}/.well-known/openid-configuration",
    client_id=os.environ["CLIENT_ID"],
    client_secret=os.environ.get("CLIENT_SECRET"),  # none for a public client: PKCE alone
    client_kwargs={"scope": "openid profile email phone", "code_challenge_method": "S256"},
)


async def home(request: Request) -> HTMLResponse:
    user = request.session.get("user")
    if not user:
        return HTMLResponse(
            '<h1>Photo Prints</h1><p><a href="/login">Sign in with your phone</a> · '
            '<a href="/login?create=1">Create an account</a></p>'
        )
    claims = html.escape(json.dumps(user, indent=2))
    return HTMLResponse(
        f"<h1>Hello, {html.escape(user.get('name', 'you'))}</h1>"
        f'<pre id="claims">{claims}</pre><p><a href="/logout">Sign out</a></p>'
    )


async def login(request: Request) -> RedirectResponse:
    extra = {"prompt": "create"} if request.query_params.get("create") else {}
    return await oauth.accounts.authorize_redirect(request, f"{HERE}/callback", **extra)


async def callback(request: Request) -> RedirectResponse:
    token = await oauth.accounts.authorize_access_token(request)  # checks state, the ID token and its nonce
    request.session["user"] = dict(token["userinfo"])
    request.session["id_token"] = token["id_token"]
    return RedirectResponse("/")


async def logout(request: Request) -> RedirectResponse:
    """Signed out here, and at the accounts app too (RP-initiated logout)."""
    id_token = request.session.pop("id_token", None)
    request.session.clear()
    metadata = await oauth.accounts.load_server_metadata()
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": f"{HERE}/"} if id_token else {}
    return RedirectResponse(f"{metadata['end_session_endpoint']}?{urlencode(params)}")


app = Starlette(
    routes=[Route("/", home), Route("/login", login), Route("/callback", callback), Route("/logout", logout)],
    # Its own cookie name: on one host, cookies are shared by every port, the accounts app's included.
    middleware=[
        Middleware(SessionMiddleware, secret_key=os.environ.get("SECRET", "dev-only"), session_cookie="prints")
    ],
)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=PORT)
