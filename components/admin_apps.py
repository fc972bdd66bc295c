"""The operator's commands for apps that sign their users in here (OpenID Connect):
`clients add|list|remove|rotate-secret` and `keys rotate`.

Each prints JSON (a script reads it: a client's secret is in it once, when
made or rotated, and never again) or says in a sentence what is wrong.
"""

import argparse
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from components.oidc.addresses import problem_with
from components.oidc.keys import ALGORITHMS, ROTATION_GRACE_SECONDS
from components.services import Services
from components.storage.clients import Registration

if TYPE_CHECKING:
    from components.admin import CommandContext

Act = Callable[[Services], Awaitable[int]]


class Usage(Exception):
    """The command's words were not right: its usage is printed."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise Usage(message)


def _clients_parser() -> _Parser:
    parser = _Parser(prog="python app.py clients", add_help=False)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    add = commands.add_parser("add", add_help=False)
    add.add_argument("--name", required=True)
    add.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
    add.add_argument("--public", action="store_true")
    add.add_argument("--first-party", action="store_true")
    add.add_argument("--post-logout-redirect-uri", action="append", default=[], dest="post_logout_redirect_uris")
    add.add_argument("--backchannel-logout-uri")
    add.add_argument("--id-token-alg", choices=ALGORITHMS, default="RS256")
    commands.add_parser("list", add_help=False)
    for name in ("remove", "rotate-secret"):
        commands.add_parser(name, add_help=False).add_argument("client_id")
    return parser


async def clients(context: "CommandContext", arguments: list[str]) -> int:
    parsed = _clients_parser().parse_args(arguments)
    if parsed.command == "add":
        return await _add(context, parsed)
    async with context.services() as services:
        if parsed.command == "list":
            print(json.dumps([client.shown() for client in await services.clients.all()], indent=2))
            return 0
        if parsed.command == "remove":
            if not await services.clients.remove(parsed.client_id):
                return _no_such(parsed.client_id)
            print(json.dumps({"removed": parsed.client_id}))
            return 0
        secret = await services.clients.rotate_secret(parsed.client_id)
        if secret is None:
            print(f"No confidential client has the id {parsed.client_id}.")
            return 1
        print(json.dumps({"client_id": parsed.client_id, "client_secret": secret}, indent=2))
        return 0


async def _add(context: "CommandContext", parsed: argparse.Namespace) -> int:
    production = context.settings.production
    addresses = [*parsed.redirect_uris, *parsed.post_logout_redirect_uris]
    if parsed.backchannel_logout_uri:
        addresses.append(parsed.backchannel_logout_uri)
    problems = [problem for uri in addresses if (problem := problem_with(uri, production=production))]
    if not parsed.name.strip() or len(parsed.name) > 100:
        problems.insert(0, "--name must be 1 to 100 characters")
    if problems:
        print("Not registered: " + "; ".join(problems) + ".")
        return 1
    registration = Registration(
        name=parsed.name.strip(),
        redirect_uris=tuple(parsed.redirect_uris),
        public=parsed.public,
        first_party=parsed.first_party,
        post_logout_redirect_uris=tuple(parsed.post_logout_redirect_uris),
        backchannel_logout_uri=parsed.backchannel_logout_uri,
        id_token_alg=parsed.id_token_alg,
    )
    async with context.services() as services:
        client, secret = await services.clients.add(registration)
    print(json.dumps({**client.shown(), **({"client_secret": secret} if secret else {})}, indent=2))
    return 0


def _no_such(client_id: str) -> int:
    print(f"No client has the id {client_id}.")
    return 1


async def keys(context: "CommandContext", arguments: list[str]) -> int:
    if arguments != ["rotate"]:
        raise Usage("the only keys command is: keys rotate")
    async with context.services() as services:
        await services.keys.ensure()
        made = await services.keys.rotate()
    print(
        json.dumps(
            {
                "published": [key.kid for key in made],
                "signs_in_seconds": ROTATION_GRACE_SECONDS,
                "note": "apps see the new keys now; they sign once every cached JWKS has them",
            },
            indent=2,
        )
    )
    return 0
