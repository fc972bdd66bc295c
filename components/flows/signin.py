"""Coming back: the password (throttled), then a code to the account's verified
number unless this browser is remembered; signing out."""

import logging

from components import metrics
from components.flows.password_checks import Refused, check_password, refusal
from components.flows.results import PASSWORD_AND_CODE, Failure, Notice, Proof, Success, failure
from components.flows.sending import CODE_REPLACED, at_code_step, first_code
from components.forms import Credentials
from components.phones import shown_mask
from components.services import Services
from components.storage.users import User
from components.text import LeftToRight, _

log = logging.getLogger(__name__)
WRONG = _("The email or password is not right.")


async def sign_in(
    services: Services,
    credentials: Credentials,
    address: str,
    *,
    remembered: str | None = None,
    known: str | None = None,
) -> Success | Failure:
    """`remembered`, `known`: this browser's tokens, if it has them. An unknown email,
    a wrong password and a throttled email get the same answers after the same work."""
    user = await services.users.by_email(credentials.email)
    checked = await check_password(services, credentials.email, credentials.password, address, user, browser=known)
    if isinstance(checked, Refused):
        metrics.SIGNINS.labels(f"refused-{checked.reason}").inc()
        return refusal(checked, WRONG, field="password")  # typed again, where focus goes
    if not checked.verified:  # back to its own signup's code
        return Success(
            checked,
            Notice(
                _(
                    "Enter the code we sent to %(phone)s, or ask for a new one.",
                    phone=LeftToRight(shown_mask(checked.phone)),
                )
            ),
            fresh_session=True,
        )
    if not await _code_needed(services, checked, remembered):
        return await signed_in(services, checked, proved=("pwd",))
    waiting = await services.users.start_challenge(checked.id, "signin")
    if waiting is None:  # the account went away in between
        return refusal(Refused("wrong"), WRONG)
    user, notice = await first_code(services, waiting, address)
    log.info("sign-in code asked: user=%s", user.id)
    metrics.SIGNINS.labels("code-asked").inc()
    return at_code_step(user, notice, fresh_session=True)


async def _code_needed(services: Services, user: User, remembered: str | None) -> bool:
    """Unless this browser is remembered: its cookie names a row the owner has not forgotten."""
    policy = services.settings.signin_code
    if policy == "off":
        return False
    if policy == "always":
        return True
    row = services.remembered.row(remembered, user.id, user.session_version)
    return row is None or not await services.remembered_browsers.used(row, user.id)


async def finish_sign_in(services: Services, user: User, *, remember: bool) -> Success | Failure:
    """The sign-in code was right. Of two requests with it, only one signs in."""
    finished = await services.users.finish_challenge(user.id, "signin")
    if finished is None:
        return failure(CODE_REPLACED, field="code")
    remember = remember and services.settings.signin_code == "new-browser"
    return await signed_in(services, finished, remember=remember, proved=PASSWORD_AND_CODE)


async def signed_in(services: Services, user: User, *, proved: tuple[Proof, ...], remember: bool = False) -> Success:
    log.info("signed in: user=%s remembered=%s", user.id, remember)
    metrics.SIGNINS.labels("signed-in").inc()
    notice = Notice(_("Welcome back, %(name)s.", name=user.name))
    return Success(user, notice, fresh_session=True, remember=remember, proved=proved, journey="signin")


async def sign_out(services: Services, user: User | None) -> Success:
    """This browser's session ends (and with it every copy of its cookie)."""
    if user:
        log.info("signed out: user=%s", user.id)
    return Success(None, Notice(_("You signed out.")), fresh_session=True)
