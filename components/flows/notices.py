"""The texts that tell an account holder what changed: a confirmation, and
notices of a new password or number. Each is written to the outbox in the
same transaction as its change (components/outbox.py sends it), so a change
never happens without its text, nor a text without its change."""

from components.outbox import kick
from components.phones import mask
from components.services import Services
from components.storage.users import User


def verified(services: Services) -> str:
    return f"Your {services.settings.app_name} account is verified. Welcome aboard!"


def password_changed(services: Services) -> str:
    settings = services.settings
    return (
        f"Your {settings.app_name} password was just changed. If this wasn't you, "
        f"reset it now at {settings.public_host}/password/forgot"
    )


def number_changed(services: Services, new_phone: str) -> str:
    app_name = services.settings.app_name
    return (
        f"The mobile number on your {app_name} account was changed to {mask(new_phone)}. "
        f"If this wasn't you, contact {app_name} at once."
    )


async def write(services: Services, user: User, to: str, body: str) -> None:
    """Inside the change's transaction."""
    await services.messages.queue(user.id, to, body)


def send_soon(services: Services) -> None:
    """After the transaction committed: the outbox sends it now (and retries later)."""
    kick(services)
