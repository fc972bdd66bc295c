"""The texts that tell an account holder what changed, in the account's
language: a confirmation, and notices of a new password or number. Each is
written to the outbox in the same transaction as its change (components/flows/outbox.py
sends it), so a change never happens without its text, nor a text without its change."""

from components.flows.outbox import kick
from components.language import say
from components.phones import mask
from components.services import Services
from components.storage.users import User
from components.text import LeftToRight, Text, _


def verified(services: Services) -> Text:
    return _("Your %(app)s account is verified. Welcome aboard!", app=services.settings.app_name)


def password_changed(services: Services) -> Text:
    settings = services.settings
    return _(
        "Your %(app)s password was just changed. If this wasn't you, reset it now at %(address)s",
        app=settings.app_name,
        address=LeftToRight(settings.public_host + services.links.reset),
    )


def number_changed(services: Services, new_phone: str) -> Text:
    return _(
        "The mobile number on your %(app)s account was changed to %(phone)s. If this wasn't you, contact %(app)s at once: %(contact)s",
        app=services.settings.app_name,
        phone=LeftToRight(mask(new_phone, dot="*")),
        contact=LeftToRight(contact(services)),
    )


def passkey_added(services: Services, name: str) -> Text:
    settings = services.settings
    # A new password would not end someone else's passkey: it must be removed too.
    return _(
        "A passkey (%(name)s) was added to your %(app)s account. If this wasn't you, remove it from your account page now and change your password: %(address)s",
        name=name,
        app=settings.app_name,
        address=LeftToRight(settings.public_host),
    )


def contact(services: Services) -> str:
    """How to reach a person: SUPPORT_CONTACT, else the site (whose footer says more)."""
    return services.settings.support_contact or services.settings.public_host


def number_change_waiting(services: Services, new_phone: str, day: str, link: str) -> Text:
    return _(
        "%(phone)s will replace this number on your %(app)s account on %(day)s. If this wasn't you, cancel it: %(link)s",
        app=services.settings.app_name,
        phone=LeftToRight(mask(new_phone, dot="*")),
        day=LeftToRight(day),
        link=LeftToRight(link),
    )


async def write(services: Services, user: User, to: str, text: Text) -> None:
    """Inside the change's transaction; in the account's language."""
    await services.messages.queue(user.id, to, say(text, user.language))


def send_soon(services: Services) -> None:
    """After the transaction committed: the outbox sends it now (and retries later)."""
    kick(services)
