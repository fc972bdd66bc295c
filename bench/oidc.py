"""Apps signing in here, under load: what the token endpoint and userinfo take.

Starts `python app.py` on a new database (SQLite, or PostgreSQL with --only
postgresql), registers an app with `python app.py clients add` (first-party:
no consent step), and gives each of N visitors an account through the signup
(the one setup cost, at BCRYPT_ROUNDS=4). Then two scenarios at that
concurrency, each measured as the signup benchmark is (bench/load.py: a
window that opens once every visitor has finished a flow):

- **sign in to the app**: GET /authorize with the browser's session (a code
  back, PKCE S256), POST /token (the code for tokens and a signed ID token),
  POST /userinfo (the claims);
- **refresh**: POST /token with the refresh token, rotated each time.

And, in this process, what signing one ID token costs (RS256 and ES256).

    .venv/bin/python bench/oidc.py --visitors 50 --seconds 20 [--only postgresql]
"""

import argparse
import asyncio
import base64
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from client import Client
from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey
from load import FlowFailed, Tally, _step, drive, signup_flows
from run import PYTHON, ROOT, app_env, machine_lines, new_database, serving

SCENARIOS = {"sign in to the app": ("authorize", "token", "userinfo"), "refresh": ("refresh",)}
VERIFIER = "v" * 43  # PKCE: the same for every visitor (it proves nothing here but the code's binding)
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
REDIRECT_URI = "http://127.0.0.1/cb"


def register(env: dict[str, str], folder: Path) -> dict:
    done = subprocess.run(
        [
            PYTHON,
            str(ROOT / "app.py"),
            "clients",
            "add",
            "--name",
            "Bench",
            "--first-party",
            "--redirect-uri",
            REDIRECT_URI,
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def app_flows(client_id: str, secret: str, refresh_tokens: dict[int, str]):
    """The visitor (signed up first, so signed in) signs in to the app, again and again."""

    async def one_flow(client, tally: Tally) -> None:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": REDIRECT_URI,
                "scope": "openid profile email phone offline_access",
                "state": "s",
                "nonce": "n",
                "code_challenge": CHALLENGE,
                "code_challenge_method": "S256",
            }
        )
        sent = await _step(tally, "authorize", client.get(f"/authorize?{query}"))
        code = parse_qs(urlsplit(sent.headers.get("location", "")).query).get("code")
        if sent.status_code != 303 or not code:
            raise FlowFailed("authorize: no code")
        form = {
            "grant_type": "authorization_code",
            "code": code[0],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": VERIFIER,
            "client_id": client_id,
            "client_secret": secret,
        }
        tokens = json.loads((await _step(tally, "token", client.post("/token", data=form))).content)
        refresh_tokens[client.visitor] = tokens["refresh_token"]
        answer = await _step(tally, "userinfo", client.post("/userinfo", data={"access_token": tokens["access_token"]}))
        if json.loads(answer.content).get("phone_number_verified") is not True:
            raise FlowFailed("userinfo: no verified number")

    return one_flow


def refresh_flows(client_id: str, secret: str, refresh_tokens: dict[int, str]):
    """The app's server renews the visitor's tokens, again and again (each refresh token used once)."""

    async def one_flow(client, tally: Tally) -> None:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_tokens[client.visitor],
            "client_id": client_id,
            "client_secret": secret,
        }
        tokens = json.loads((await _step(tally, "refresh", client.post("/token", data=form))).content)
        refresh_tokens[client.visitor] = tokens["refresh_token"]

    return one_flow


def signing_cost(rounds: int = 2000) -> dict[str, float]:
    """Microseconds to sign one ID token of the usual size, per algorithm, in this process."""
    claims = {
        "iss": "https://accounts.example",
        "sub": "0" * 32,
        "aud": "client",
        "iat": 0,
        "exp": 600,
        "auth_time": 0,
        "nonce": "n" * 20,
        "at_hash": "h" * 22,
        "amr": ["pwd", "sms"],
        "name": "Load Test",
        "phone_number": "+12015550143",
        "phone_number_verified": True,
    }
    costs = {}
    for alg, key in (
        ("RS256", RSAKey.generate_key(2048, private=True)),
        ("ES256", ECKey.generate_key("P-256", private=True)),
    ):
        started = time.perf_counter()
        for _ in range(rounds):
            jwt.encode({"alg": alg, "kid": "k"}, claims, key)
        costs[alg] = (time.perf_counter() - started) / rounds * 1e6
    return costs


async def measure(url: str, outbox: Path, client: dict, visitors: int, seconds: float) -> dict[str, Tally]:
    """Each visitor signs up once (its session kept), then each scenario runs with those sessions."""
    sessions = []
    signup = signup_flows(outbox)
    for _ in range(visitors):
        async with Client(url, headers={"HX-Request": "true"}) as browser:
            await signup(browser, Tally())
            sessions.append(dict(browser.cookies))
    refresh_tokens: dict[int, str] = {}
    results = {}
    for name, steps in SCENARIOS.items():
        make = refresh_flows if name == "refresh" else app_flows
        results[name] = await drive(
            url,
            as_visitors(make(client["client_id"], client["client_secret"], refresh_tokens), sessions),
            visitors,
            seconds,
            tally=Tally(latencies={step: [] for step in steps}),
        )
    return results


def as_visitors(flow, sessions: list[dict[str, str]]):
    """drive() opens a connection per visitor: each takes the next visitor's session, once."""
    taken = iter(range(len(sessions)))

    async def as_visitor(client, tally: Tally) -> None:
        if not hasattr(client, "visitor"):
            client.visitor = next(taken)
            client.cookies.update(sessions[client.visitor])
        await flow(client, tally)

    return as_visitor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--only", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    for line in machine_lines(args.only == "postgresql" and args.postgres):
        print(line)
    print(
        f"App: python app.py, APP_ENV=test, 1 worker, {args.only}, {args.visitors} concurrent visitors, "
        f"{args.seconds:g} s measured per scenario, app limits off; accounts made by signing up (bcrypt 4)"
    )
    with tempfile.TemporaryDirectory(prefix="bench-oidc-") as tmp:
        folder = Path(tmp)
        with new_database(args.only, folder, args.postgres) as database_url:
            env = {**app_env(folder, database_url, 1, 4), "TOKEN_REQUESTS_PER_CLIENT_MINUTE": "0"}
            client = register(env, folder)
            with serving([PYTHON, str(ROOT / "app.py")], env, folder) as server:
                tallies = asyncio.run(measure(server.url, folder / "outbox.jsonl", client, args.visitors, args.seconds))
    print()
    print("| Scenario | flows/s | step p50 / p95 / p99 ms | errors |")
    print("|---|---:|---|---|")
    for name, tally in tallies.items():
        steps = "; ".join(
            f"{step} " + " / ".join(f"{value:.0f}" for value in tally.percentiles(step)) for step in tally.latencies
        )
        errors = ", ".join(f"{kind}: {count}" for kind, count in tally.errors.most_common()) or "0"
        print(f"| {name} | {tally.flows_per_second:.1f} | {steps} | {errors} |")
    print()
    print("| Signing one ID token, in-process | µs |")
    print("|---|---:|")
    for alg, cost in signing_cost().items():
        print(f"| {alg} | {cost:.0f} |")


if __name__ == "__main__":
    sys.exit(main())
