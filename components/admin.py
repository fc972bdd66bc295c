"""The operator's commands: `python app.py <command>` (docs/operating.md: "Commands").

Each prints what it did, in a sentence, and returns an exit status: 0 when it
did it, 1 when it could not (an unknown email, a bad setting, no database).
They share the app's settings and services, so an unlock or a purge does
exactly what the app's own code does.
"""

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from components import admin_apps
from components.admin_apps import Usage
from components.durations import DAY
from components.flows import devices
from components.flows.password_checks import clear_password_checks
from components.housekeeping import tidy
from components.phones import country_of
from components.providers.factory import http_client
from components.services import Links, Services, build_services
from components.settings import Settings, SettingsError, load_settings, warnings
from components.storage.database import connected, migrate
from components.storage.users import User

Clock = Callable[[], float]
USAGE = """usage: python app.py [command]

With no command, runs the app. Commands:
  migrate          bring the database's schema up to date
  unlock EMAIL     clear a lock-out: wrong codes and wrong passwords (codes stopped included)
  delete EMAIL     delete an account and everything kept for it
  purge            clear out expired signups, old rate-limit rows, sessions and texts now
  stats            the last 24 hours: signups, codes sent, verified, conversion by country
  activity EMAIL   an account's security events of the last ACTIVITY_DAYS, newest first
  check-config     check every setting; name what is wrong

Apps that sign their users in here (OpenID Connect; each prints JSON):
  clients add --name NAME --redirect-uri URI [--redirect-uri URI ...] [--public]
              [--first-party] [--post-logout-redirect-uri URI] [--backchannel-logout-uri URI]
              [--id-token-alg RS256|ES256]
                   register an app: its client_id, and its client_secret (shown once)
  clients list     every registered app (never a secret)
  clients remove ID            an app goes, with every consent and token it had
  clients rotate-secret ID     a new secret for an app; the old one stops working now
  keys rotate      new signing keys: published now, signing after an hour"""


@dataclass(frozen=True)
class CommandContext:
    """What every command runs with: the app's settings, its links and a clock (a test's)."""

    settings: Settings
    links: Links
    clock: Clock

    @asynccontextmanager
    async def services(self) -> AsyncIterator[Services]:
        settings = self.settings
        async with (
            connected(settings.database_url, settings.database_timeout_seconds) as db,
            http_client(settings) as client,
        ):
            yield build_services(settings, db, client, self.links, clock=self.clock)


async def _migrate(context: CommandContext) -> int:
    settings = context.settings
    async with connected(settings.database_url, settings.database_timeout_seconds) as db:
        version = await migrate(db)
    print(f"The database's schema is at version {version}, the newest.")
    return 0


async def _on_account(context: CommandContext, email: str, act: Callable[[Services, User], Awaitable[str]]) -> int:
    """What `act` does to the account with this email, said; or that there is none."""
    async with context.services() as services:
        user = await services.users.by_email(email)
        if user is None:
            print(f"No account has the email {email}.")
            return 1
        print(await act(services, user))
    return 0


async def _unlock(context: CommandContext, email: str) -> int:
    async def unlock(services: Services, user: User) -> str:
        await services.users.unlock(user.id)
        await clear_password_checks(services, user.email)
        return f"Unlocked account {user.id} ({email}): codes and passwords can be tried again."

    return await _on_account(context, email, unlock)


async def _delete(context: CommandContext, email: str) -> int:
    async def delete(services: Services, user: User) -> str:
        await services.users.delete(user.id)
        return f"Deleted account {user.id} ({email}) with its sessions, codes and texts."

    return await _on_account(context, email, delete)


async def _activity(context: CommandContext, email: str) -> int:
    async def listed(services: Services, user: User) -> str:
        events = await devices.activity(services, user)
        lines = [f"Account {user.id} ({email}): {len(events)} events in {services.settings.activity_days} days"]
        for event in events:
            at = datetime.fromtimestamp(event.at, UTC).strftime("%Y-%m-%d %H:%M UTC")
            said = " ".join(part for part in (event.device, event.detail, event.network) if part)
            lines.append(f"{at}  {event.kind:<22}{f'×{event.count} ' if event.count > 1 else ''}{said}")
        return "\n".join(lines)

    return await _on_account(context, email, listed)


async def _purge(context: CommandContext) -> int:
    async with context.services() as services:
        done = await tidy(services)
    print("Cleared out: " + ", ".join(f"{count} {what}" for what, count in done.cleared.items()) + ".")
    print(f"It took {done.seconds:.1f} s; the longest batch {done.longest * 1000:.0f} ms (its wait included).")
    if done.held is not None:  # another process's writes it waited for are in it: see longest_statement
        print(
            f"The longest a batch held SQLite's writer: {done.held.seconds * 1000:.1f} ms,"
            f" {done.held.cpu * 1000:.1f} ms of them on a CPU."
        )
    return 0


async def _stats(context: CommandContext) -> int:
    async with context.services() as services:
        rows = await _last_day(services)
    print("Last 24 hours, by country:")
    print(f"{'country':<8}{'signups':>9}{'codes sent':>12}{'verified':>10}{'conversion':>12}")
    for country, signups, sent, verified in rows:
        conversion = f"{100 * verified / signups:.0f}%" if signups else "-"
        print(f"{country:<8}{signups:>9}{sent:>12}{verified:>10}{conversion:>12}")
    return 0


async def _last_day(services: Services) -> list[tuple[str, int, int, int]]:
    """(country, signups, codes sent, signups verified), the busiest first, and all of them last."""
    since = services.clock() - DAY
    accounts = await services.users.signed_up_since(since)
    signups = Counter(country for country, _ in accounts)
    verified = Counter(country for country, was_verified in accounts if was_verified)
    sent = Counter(country_of(number) for number in await services.messages.codes_sent_since(since))
    countries = sorted(set(signups) | set(sent), key=lambda code: (-signups[code], -sent[code], code))
    rows = [(code, signups[code], sent[code], verified[code]) for code in countries]
    return [*rows, ("all", sum(signups.values()), sum(sent.values()), sum(verified.values()))]


def _check_config() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}")
        return 1
    print(
        f"The configuration is valid: APP_ENV={settings.app_env}, VERIFY_PROVIDER={settings.verify_provider}, "
        f"SMS_PROVIDER={settings.sms_provider}, DATABASE_URL={_without_password(settings.database_url)}."
    )
    for warning in warnings(settings):
        print(f"Warning: {warning}")
    return 0


def _without_password(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


COMMANDS: dict[str, tuple[int, Callable[..., Coroutine[Any, Any, int]]]] = {
    "migrate": (0, _migrate),
    "unlock": (1, _unlock),
    "delete": (1, _delete),
    "purge": (0, _purge),
    "stats": (0, _stats),
    "activity": (1, _activity),
}


# Commands with words and options of their own (components/admin_apps.py reads them).
WITH_OPTIONS: dict[str, Callable[[CommandContext, list[str]], Coroutine[Any, Any, int]]] = {
    "clients": admin_apps.clients,
    "keys": admin_apps.keys,
}


def run(arguments: list[str], links: Links, *, clock: Clock = time.time) -> int:
    """The command named by `arguments`, run to the end; its exit status (`clock`: a test's)."""
    name, *rest = arguments
    if name in ("help", "--help", "-h"):
        print(USAGE)
        return 0
    if name == "check-config" and not rest:
        return _check_config()
    with_options = name in WITH_OPTIONS and bool(rest)
    if not with_options and (name not in COMMANDS or len(rest) != COMMANDS[name][0]):
        print(USAGE)
        return 2
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"Configuration error: {error}")
        return 1
    started = time.monotonic()
    context = CommandContext(settings, links, clock)
    try:
        if with_options:
            return asyncio.run(WITH_OPTIONS[name](context, rest))
        return asyncio.run(COMMANDS[name][1](context, *rest))
    except Usage as error:
        print(f"{error}\n\n{USAGE}")
        return 2
    except OSError as error:
        print(f"The database could not be reached ({type(error).__name__}) after {time.monotonic() - started:.0f} s.")
        return 1
