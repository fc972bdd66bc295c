"""Where an account is signed in, and what happened to it, for its owner: the devices page
(every signed-in browser and every remembered one, each ended on its own), the activity
list, what a sign-in writes (its event, and a text when the browser is new to the account),
knowing nothing of HTTP. The web layer says which browser is asking (components/browsers.py)
and whether it has signed in to this account before (its "known" cookie)."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from components import metrics
from components.browsers import Browser
from components.flows import notifications
from components.flows.results import Failure, Journey, Notice, Success, failure
from components.services import Services
from components.storage.activity import Event
from components.storage.remembered_browser_records import Remembered
from components.storage.session_records import SignedIn
from components.storage.users import User
from components.text import LeftToRight, Text, _

log = logging.getLogger(__name__)
SEEN_EVERY = 5 * 60  # a session's "last seen" is written at most this often
RECENT = 5  # events on the account page; the activity page lists the rest
MOST = 500  # the activity page lists no more (refused passwords are one row a day, whatever their count)
GONE = _("That browser is already signed out.")


@dataclass(frozen=True)
class Devices:
    sessions: list[SignedIn]
    remembered: list[Remembered]


async def of_account(services: Services, user: User, token: str) -> Devices:
    sessions = await services.sessions.of_account(user.id, token)
    return Devices(sessions, await services.remembered_browsers.of_account(user.id))


async def activity(services: Services, user: User, most: int = MOST) -> list[Event]:
    return await services.activity.of_account(user.id, services.settings.activity_days, most)


async def signed_in(
    services: Services, user: User, browser: Browser, journey: Journey, method: str, *, new_browser: bool
) -> None:
    """A sign-in's event; and, from a browser that never signed in to the account (nor is
    remembered), a text to the verified number, written with it (NOTIFY_NEW_SIGNIN)."""
    alert = journey == "signin" and new_browser and services.settings.notify_new_signin == "on"
    async with services.transaction():
        await services.activity.record(user.id, "signed-up" if journey == "signup" else "signed-in", browser, method)
        if alert:
            await notifications.write(services, user, user.phone, new_signin(services, browser))
    if alert:
        notifications.send_soon(services)
        metrics.DEVICES.labels("new-signin-alert").inc()
        log.info("new sign-in alert: user=%s", user.id)


def new_signin(services: Services, browser: Browser) -> Text:
    settings = services.settings
    at = LeftToRight(datetime.fromtimestamp(services.clock(), UTC).strftime("%H:%M UTC"))
    link = LeftToRight(settings.public_host + services.links.reset)
    if browser.device:
        return _(
            "New sign-in to your %(app)s account from %(device)s at %(time)s. Not you? Reset your password: %(link)s",
            app=settings.app_name,
            device=browser.device,
            time=at,
            link=link,
        )
    return _(
        "New sign-in to your %(app)s account at %(time)s. Not you? Reset your password: %(link)s",
        app=settings.app_name,
        time=at,
        link=link,
    )


async def sign_out_browser(services: Services, user: User, public_id: str) -> Success | Failure:
    """Another browser's session ends: its very next request finds it gone."""
    ended = await services.sessions.close_one(user.id, public_id)
    if ended is None:
        return failure(GONE)
    await services.activity.record(user.id, "signed-out-browser", Browser(ended, ""))
    metrics.DEVICES.labels("signed-out-browser").inc()
    log.info("a browser signed out from the devices page: user=%s", user.id)
    return Success(user, Notice(_("That browser is signed out.")))


async def forget_browser(services: Services, user: User, remembered_id: str) -> Success | Failure:
    """A remembered browser asks for the code again at its next sign-in."""
    if not await services.remembered_browsers.forget(user.id, remembered_id):
        return failure(_("That browser is no longer remembered."))
    await services.activity.record(user.id, "forgot-browser")
    metrics.DEVICES.labels("forgot-browser").inc()
    return Success(user, Notice(_("That browser will be asked for a code at its next sign-in.")))


async def sign_out_others(services: Services, user: User, token: str, keep: str | None) -> Success:
    """Every other browser signs out and is forgotten; this one stays (and stays remembered)."""
    async with services.transaction():
        ended = await services.sessions.close_others(user.id, token)
        await services.remembered_browsers.forget_others(user.id, keep or "")
        await services.activity.record(user.id, "signed-out-others")
    metrics.DEVICES.labels("signed-out-others").inc()
    log.info("signed out everywhere else: user=%s sessions=%d", user.id, ended)
    return Success(user, Notice(_("Every other browser is signed out.")))
