"""Passkeys on top of the verified phone: adding one, signing in with one, naming and
removing them, knowing nothing of HTTP.

Duo's py_webauthn checks every answer (the challenge, the origin and RP ID, user
verification, the signature). What is ours: challenges made here, bound to the
browser's session, used once and for CHALLENGE_SECONDS; the signature counter,
which must move on for a passkey that has counted (a counter that goes back is a
cloned authenticator: logged and refused); at most PASSKEYS_PER_ACCOUNT; and a text
to the verified number when one is added. No log line holds credential material.
"""

import json
import logging
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url, parse_client_data_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from components import metrics
from components.browsers import NAME_LENGTH, browser_of
from components.flows import notifications
from components.flows.account import confirmed
from components.flows.results import Failure, Notice, Proof, Success, failure
from components.services import Services
from components.storage.passkeys import Passkey
from components.storage.users import User
from components.text import Text, _

log = logging.getLogger(__name__)
CHALLENGE_SECONDS = 5 * 60
NOT_HERE = _(
    "This passkey can't sign you in here: it was removed, or its account is closed. Sign in with your password."
)
CONFIRMED = Notice(_("Thank you, that's you. You can make the change now."))
NOT_CHECKED = _("We couldn't check that passkey, so nothing was changed. Try again.")


@dataclass(frozen=True)
class Asked:
    """A ceremony's options for the browser (JSON), or why there are none."""

    options: str | None = None
    refusal: Text | None = None


async def registration_options(services: Services, user: User, session_key: str) -> Asked:
    """To add a passkey to a signed-in account: a discoverable credential with user verification."""
    existing = await services.passkeys.of_account(user.id)
    if len(existing) >= services.settings.passkeys_per_account:
        return Asked(refusal=_("Your account has as many passkeys as it can keep. Remove one to add another."))
    rp_id, _origins = services.settings.passkey_party
    challenge = await services.passkeys.challenge(session_key, "register", user.id, CHALLENGE_SECONDS)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=services.settings.app_name,
        user_id=(await services.passkeys.handle(user.id)).encode(),
        user_name=user.email,
        user_display_name=user.name,
        challenge=challenge,
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.REQUIRED
        ),
        exclude_credentials=[_descriptor(passkey) for passkey in existing],
    )
    return Asked(options=options_to_json(options))


async def add(services: Services, user: User, session_key: str, answer: str, user_agent: str) -> Success | Failure:
    """The browser's answer to registration_options: checked, kept, and told to the phone."""
    challenge = await _taken(services, answer, session_key, "register")
    if challenge is None or challenge[1] != user.id:
        return _refused("register", "challenge")
    rp_id, origins = services.settings.passkey_party
    try:
        verified = verify_registration_response(
            credential=answer,
            expected_challenge=challenge[0],
            expected_rp_id=rp_id,
            expected_origin=list(origins),
            require_user_verification=True,
        )
    except WebAuthnException as error:
        return _refused("register", type(error).__name__)
    passkey = Passkey(
        credential_id=bytes_to_base64url(verified.credential_id),
        user_id=user.id,
        public_key=bytes_to_base64url(verified.credential_public_key),
        sign_count=verified.sign_count,
        backed_up=verified.credential_backed_up,
        name=await default_name(user_agent),
        created_at=services.clock(),
        last_used_at=None,
    )
    async with services.transaction():  # the passkey and its text stand or fall together
        if not await services.passkeys.add(passkey, services.settings.passkeys_per_account):
            return failure(_("Your account has as many passkeys as it can keep. Remove one to add another."))
        await notifications.write(services, user, user.phone, notifications.passkey_added(services, passkey.name))
        await services.activity.record(user.id, "passkey-added", detail=passkey.name)
    notifications.send_soon(services)
    metrics.PASSKEYS.labels("register", "added").inc()
    log.info("passkey added: user=%s synced=%s", user.id, passkey.backed_up)
    return Success(user, Notice(_("Your passkey %(name)s is added. Next time, sign in with it.", name=passkey.name)))


async def signin_options(services: Services, session_key: str) -> Asked:
    """For whoever holds a passkey of this site: the browser offers them (no account named)."""
    rp_id, _origins = services.settings.passkey_party
    challenge = await services.passkeys.challenge(session_key, "signin", None, CHALLENGE_SECONDS)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=CHALLENGE_SECONDS * 1000,
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Asked(options=options_to_json(options))


async def reauth_options(services: Services, user: User, session_key: str) -> Asked:
    """To confirm it is the account's owner before a sensitive change: one of its own passkeys."""
    kept = await services.passkeys.of_account(user.id)
    if not kept:  # the page offers a passkey only to an account with one
        return Asked(refusal=NOT_CHECKED)
    rp_id, _origins = services.settings.passkey_party
    challenge = await services.passkeys.challenge(session_key, "reauth", user.id, CHALLENGE_SECONDS)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=[_descriptor(passkey) for passkey in kept],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return Asked(options=options_to_json(options))


async def reauthenticate(services: Services, user: User, session_key: str, answer: str) -> Success | Failure:
    """A passkey of this account, instead of the password, before a sensitive change: the
    sign-in counts as recent again (a fresh session for the same account, as the password's)."""
    challenge = await _taken(services, answer, session_key, "reauth")
    if challenge is None or challenge[1] != user.id:
        return _refused("reauth", "challenge")
    found = await services.passkeys.with_account(_credential_id(answer))
    if found is None or found[1].id != user.id:
        return _refused("reauth", "not-this-account")
    checked = await _checked(services, found[0], answer, challenge[0], "reauth")
    if isinstance(checked, Failure):
        return checked
    metrics.PASSKEYS.labels("reauth", "confirmed").inc()
    log.info("confirmed with a passkey: user=%s", user.id)
    return Success(user, CONFIRMED, fresh_session=True)


async def sign_in(services: Services, session_key: str, answer: str) -> Success | Failure:
    """A passkey's answer: the browser is signed in at once (no password, no text)."""
    challenge = await _taken(services, answer, session_key, "signin")
    if challenge is None:
        return _refused("signin", "challenge")
    found = await services.passkeys.with_account(_credential_id(answer))
    if found is None or not found[1].verified:
        metrics.PASSKEYS.labels("signin", "unknown").inc()
        log.warning("passkey sign-in refused: reason=unknown-passkey")
        return failure(NOT_HERE)
    passkey, user, handle = found
    if _user_handle(answer) not in (None, handle):  # WebAuthn §7.2 step 6: the account the authenticator named
        return _refused("signin", "user-handle")
    checked = await _checked(services, passkey, answer, challenge[0], "signin")
    if isinstance(checked, Failure):
        return checked
    metrics.PASSKEYS.labels("signin", "signed-in").inc()
    log.info("signed in with a passkey: user=%s", user.id)
    notice = Notice(_("Welcome back, %(name)s.", name=user.name))
    return Success(user, notice, fresh_session=True, proved=checked, journey="signin")


async def _checked(
    services: Services, passkey: Passkey, answer: str, challenge: bytes, ceremony: str
) -> tuple[Proof, ...] | Failure:
    """The signature, user verification and counter of a passkey's answer; what it proved."""
    rp_id, origins = services.settings.passkey_party
    try:
        verified = verify_authentication_response(
            credential=answer,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=list(origins),
            credential_public_key=_bytes(passkey.public_key),
            credential_current_sign_count=0,  # the counter is judged below, where a cloned one is logged
            require_user_verification=True,
        )
    except WebAuthnException as error:
        return _refused(ceremony, type(error).__name__)
    count = verified.new_sign_count
    if passkey.sign_count and count <= passkey.sign_count:
        log.warning("passkey refused: its counter went back (a cloned authenticator?): user=%s", passkey.user_id)
        return _refused(ceremony, "counter")
    if not await services.passkeys.used(passkey, count):
        return _refused(ceremony, "raced")
    return ("swk" if passkey.backed_up else "hwk", "user")


async def rename(services: Services, user: User, credential_id: str, name: str) -> Success | Failure:
    name = " ".join(name.split())[:NAME_LENGTH]
    if not name:
        return failure(_("Give the passkey a name."), field="name")
    if not await services.passkeys.rename(user.id, credential_id, name):
        return failure(_("That passkey is no longer on your account."))
    return Success(user, Notice(_("The passkey is now called %(name)s.", name=name)))


async def confirm_password(services: Services, user: User, password: str, address: str) -> Success | Failure:
    """The password again before passkeys change: this browser's sign-in counts as recent again
    (a fresh session for the same account, so the proof is new)."""
    if refused := await confirmed(services, user, password, address):
        return refused
    return Success(user, CONFIRMED, fresh_session=True)


async def remove(services: Services, user: User, credential_id: str) -> Success | Failure:
    gone = await services.passkeys.remove(user.id, credential_id)
    if gone is None:
        return failure(_("That passkey is no longer on your account."))
    await services.activity.record(user.id, "passkey-removed", detail=gone.name)
    metrics.PASSKEYS.labels("remove", "removed").inc()
    log.info("passkey removed: user=%s", user.id)
    return Success(user, Notice(_("The passkey %(name)s is removed: it can no longer sign you in.", name=gone.name)))


async def default_name(user_agent: str) -> str:
    """ "Chrome on Android": the browser and system the passkey was made on."""
    return (await browser_of(user_agent, "")).device or "Passkey"


async def _taken(services: Services, answer: str, session_key: str, purpose: str) -> tuple[bytes, int | None] | None:
    """The challenge the answer signed, used up here if it was this session's, for this
    purpose and in time; None for any other (a replay, another browser's, expired, garbled)."""
    try:
        client_data = json.loads(answer)["response"]["clientDataJSON"]
        challenge = parse_client_data_json(_bytes(client_data)).challenge
    except (ValueError, KeyError, TypeError, WebAuthnException):
        return None
    found, user_id = await services.passkeys.take_challenge(bytes_to_base64url(challenge), session_key, purpose)
    return (challenge, user_id) if found else None


def _user_handle(answer: str) -> str | None:
    """The account handle a discoverable passkey answers with (bytes of our own base64url text)."""
    try:
        given = json.loads(answer)["response"].get("userHandle")
        return _bytes(given).decode() if given else None
    except (ValueError, KeyError, TypeError, AttributeError, WebAuthnException):
        return ""  # garbled: matches no account


def _credential_id(answer: str) -> str:
    try:
        return str(json.loads(answer)["id"])
    except (ValueError, KeyError, TypeError):
        return ""


def _refused(ceremony: str, reason: str) -> Failure:
    metrics.PASSKEYS.labels(ceremony, f"refused-{reason}").inc()
    log.warning("passkey refused: ceremony=%s reason=%s", ceremony, reason)
    return failure(NOT_CHECKED)


def _descriptor(passkey: Passkey) -> PublicKeyCredentialDescriptor:
    return PublicKeyCredentialDescriptor(id=_bytes(passkey.credential_id))


def _bytes(encoded: Any) -> bytes:
    return base64url_to_bytes(str(encoded))
