"""The signed-in account: change the password or the number, sign out everywhere, close it.

A new number needs a code to the current number first. An owner whose current
number can no longer get texts proves the new one alone, and the change then
waits NUMBER_CHANGE_WAIT_DAYS: the current number is texted a link that
cancels it, and every sign-in shows it, so a stolen session cannot move the
account to another phone before its owner hears of it.

Changing the number or closing the account asks for the password again when
the last sign-in is older than REAUTH_SECONDS (`recent` says it is not);
changing the password always asks for the current one. Every password check
here is throttled as sign-in's is.
"""

import logging
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer

from components.durations import DAY
from components.flows import notifications
from components.flows.password_checks import Refused, check_password, refusal
from components.flows.reset import replace_password
from components.flows.results import Failure, Notice, Success, failure
from components.flows.sending import CODE_REPLACED, first_code, recipient
from components.phones import Phone, mask, shown_mask
from components.purposes import Challenge
from components.services import Services
from components.storage.users import User
from components.text import LeftToRight, _

log = logging.getLogger(__name__)
WRONG_PASSWORD = _("Your password is not right.")


async def change_password(services: Services, user: User, current: str, new: str, address: str) -> Success | Failure:
    checked = await check_password(services, user.email, current, address, user)
    if isinstance(checked, Refused):
        return refusal(checked, WRONG_PASSWORD, field="current_password")
    changed = await replace_password(services, user.id, await services.passwords.hash(new))
    if changed is None:
        return failure(_("This account is no longer here."))
    log.info("password changed: user=%s", user.id)
    return Success(
        changed, Notice(_("Your password is changed. Every other browser is signed out.")), fresh_session=True
    )


async def confirmed(services: Services, user: User, password: str | None, address: str) -> Failure | None:
    """The password again, when the sign-in is not recent (None: it was, or it is right)."""
    if password is None:
        return None
    checked = await check_password(services, user.email, password, address, user)
    return refusal(checked, WRONG_PASSWORD, field="password") if isinstance(checked, Refused) else None


async def start_number_change(
    services: Services, user: User, phone: Phone, password: str | None, address: str, *, current_gone: bool = False
) -> Success | Failure:
    """A code to the current number first (whoever holds this session must hold the phone
    too), then one to the new number; the old one stays on the account until the second
    is right. A number may be on more than one account (accounts are found by email)."""
    if refused := await confirmed(services, user, password, address):
        return refused
    if phone.e164 == user.phone:
        return failure(_("This is already your number. Enter a different one."), field="phone")
    first: Challenge = "number-later" if current_gone else "current-number"
    waiting = await services.users.start_challenge(user.id, first, phone=phone.e164, country=phone.country)
    if waiting is None:
        return failure(_("This account is no longer here."))
    current, notice = await first_code(services, waiting, address)
    log.info("number change asked: user=%s", user.id)
    return Success(current, notice, fresh_session=password is not None)


async def current_number_approved(services: Services, user: User, address: str) -> Success | Failure:
    """The current number's code was right: now a code to the new number."""
    waiting = await services.users.move_on(user.id, "current-number", then="number")
    if waiting is None:
        return failure(CODE_REPLACED, field="code")
    current, notice = await first_code(services, waiting, address)
    log.info("number change approved on the current number: user=%s", user.id)
    return Success(current, notice)


async def keep_number(services: Services, user: User) -> Success:
    """The change is called off: its code stops working."""
    if user.challenge in ("current-number", "number", "number-later"):
        await services.verifier.cancel(recipient(user))
        user = await services.users.finish_challenge(user.id, user.challenge) or user
    return Success(user, Notice(_("Your mobile number is still %(phone)s.", phone=LeftToRight(shown_mask(user.phone)))))


async def number_code_was_right(services: Services, user: User) -> Success | Failure:
    """The new number is the account's; a notice goes to the old one."""
    async with services.transaction():
        changed = await services.users.finish_challenge(
            user.id,
            "number",
            phone=user.challenge_phone,
            country=user.challenge_country,
        )
        if changed is not None:
            await services.activity.record(changed.id, "number-changed")
            await notifications.write(
                services, changed, user.phone, notifications.number_changed(services, changed.phone)
            )
    if changed is None:
        return failure(CODE_REPLACED, field="code")
    notifications.send_soon(services)
    log.info("number changed: user=%s to=%s", user.id, mask(changed.phone))
    return Success(
        changed, Notice(_("Your mobile number is now %(phone)s.", phone=LeftToRight(shown_mask(changed.phone))))
    )


async def schedule_number_change(services: Services, user: User) -> Success | Failure:
    """The new number's code was right, and the current number can no longer get texts:
    the change waits, and the current number is texted a link that cancels it."""
    at = services.clock() + services.settings.number_change_wait_days * DAY
    async with services.transaction():
        scheduled = await services.users.schedule_number_change(user.id, at)
        if scheduled is not None:
            link = services.settings.public_host + services.links.cancel_number_change(
                cancel_token(services, scheduled)
            )
            text = notifications.number_change_waiting(services, user.challenge_phone or "", _day(at), link)
            await notifications.write(services, scheduled, scheduled.phone, text)
    if scheduled is None:
        return failure(CODE_REPLACED, field="code")
    notifications.send_soon(services)
    log.info("number change scheduled: user=%s to=%s", user.id, mask(scheduled.number_change_phone or ""))
    return Success(scheduled, Notice(_("Your new number is verified.")))  # the account page says when it changes


def waiting_notice(user: User) -> Notice:
    """What the account page says while a number change waits."""
    return Notice(
        _(
            "Your number changes to %(phone)s on %(day)s. Until then, the link we texted to %(current)s cancels it.",
            phone=LeftToRight(shown_mask(user.number_change_phone or "")),
            day=LeftToRight(_day(user.number_change_at or 0)),
            current=LeftToRight(shown_mask(user.phone)),
        )
    )


def _day(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d")


def cancel_token(services: Services, user: User) -> str:
    """Names the account and the change (a link to an older change cancels nothing)."""
    return str(_signer(services).dumps([user.id, user.number_change_at]))


def _signer(services: Services) -> URLSafeSerializer:
    return URLSafeSerializer(services.settings.app_secret, salt="number-change-cancel")


async def cancel_number_change(services: Services, token: str) -> Success | Failure:
    """The link texted to the current number (or the account page's button): the change is off."""
    try:
        user_id, at = _signer(services).loads(token)
        cancelled = await services.users.cancel_number_change(int(user_id), float(at))
    except (BadSignature, TypeError, ValueError):
        cancelled = None
    if cancelled is None:
        return failure(_("This link no longer cancels anything: the change was already cancelled or made."))
    log.info("number change cancelled: user=%s", cancelled.id)
    stays = _(
        "The number change is cancelled. The number stays %(phone)s.", phone=LeftToRight(shown_mask(cancelled.phone))
    )
    return Success(cancelled, Notice(stays))


async def remove_app(services: Services, user: User, client_id: str) -> Success | Failure:
    """The app can no longer sign the account in without asking again, and every token
    it holds for the account ends now."""
    allowed = {app.client_id: app for app in await services.consents.of_account(user.id)}
    if client_id not in allowed or not await services.consents.remove(user.id, client_id):
        return failure(_("That app could not sign you in anyway."))
    log.info("app removed: user=%s client=%s", user.id, client_id)
    await services.activity.record(user.id, "app-removed", detail=allowed[client_id].name)
    return Success(user, Notice(_("%(app)s can no longer sign you in.", app=allowed[client_id].name)))


async def sign_out_everywhere(services: Services, user: User) -> Success:
    """Every session of the account ends, remembered browsers and sign-ins under way too; apps
    it signed in to are told (back-channel logout), in the same transaction."""
    async with services.transaction():
        await services.users.end_sessions(user.id)
        await services.sessions.close_all(user.id)
        await services.remembered_browsers.forget_all(user.id)
        await services.activity.record(user.id, "signed-out-everywhere")
        await services.logout_notices.queue_for_account(user.id)
    notifications.send_soon(services)
    log.info("signed out everywhere: user=%s", user.id)
    return Success(None, Notice(_("You were signed out on every browser.")), fresh_session=True)


async def close_account(services: Services, user: User, password: str | None, address: str) -> Success | Failure:
    """The account and what is kept for it are deleted (SECURITY.md says what stays);
    the visitor has ticked the box to say so (components/forms.py: read_close)."""
    if refused := await confirmed(services, user, password, address):
        return refused
    if user.challenge:
        await services.verifier.cancel(recipient(user))
    async with services.transaction():  # the apps' logouts are owed before the account (and its tokens) go
        await services.logout_notices.queue_for_account(user.id)
        await services.users.delete(user.id)
    notifications.send_soon(services)
    log.info("account closed: user=%s", user.id)
    return Success(None, Notice(_("Your account is closed, and your details are deleted.")), fresh_session=True)
