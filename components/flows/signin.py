"""Coming back: sign in with email and password; sign out (every session of the account)."""

import logging

from components.flows.results import Failure, Notice, Success, failure
from components.forms import Credentials
from components.phones import mask
from components.services import Services
from components.storage.users import User

log = logging.getLogger(__name__)


async def sign_in(services: Services, credentials: Credentials) -> Success | Failure:
    """Unknown email and wrong password get the same answer, after the same work."""
    user = await services.users.by_email(credentials.email)
    if not await services.passwords.check(credentials.password, user.password_hash if user else None):
        return failure("The email or password is not right.")
    log.info("signed in: user=%s", user.id)
    if user.verified:
        return Success(user, Notice(f"Welcome back, {user.name}."), fresh_session=True)
    return Success(user, Notice(f"Enter the code we sent to {mask(user.phone)}, or ask for a new one."),
                   fresh_session=True)


async def sign_out(services: Services, user: User | None) -> Success:
    """Every cookie issued to this account so far stops working."""
    if user:
        await services.users.end_sessions(user.id)
    return Success(None, Notice("You are signed out."), fresh_session=True)
