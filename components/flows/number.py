"""A different number for a signup that is waiting for its code."""

from components.flows.results import Failure, Notice, Success, failure
from components.flows.sending import first_code
from components.phones import Phone
from components.services import Services
from components.storage.users import User
from components.text import _


async def change_number(services: Services, user: User) -> Success:
    """The code sent to the old number stops working; the visitor gives another."""
    await services.verifier.cancel(user)
    return Success(user, Notice(_("Enter the mobile number to send a code to.")))


async def set_number(services: Services, user: User, phone: Phone, origin: str) -> Success | Failure:
    """The new number is kept and sent a code (the same number keeps its cooldown)."""
    updated = await services.users.update_pending(user.id, phone=phone.e164, country=phone.country)
    if updated is None:
        return failure(_("This account is already verified."))
    return Success(*await first_code(services, updated, origin))
