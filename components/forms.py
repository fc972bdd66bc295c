"""Reading what a visitor typed: normalised values, or per-field messages."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.phones import COUNTRY_CODES, Phone, PhoneError, parse_mobile
from components.text import Countries, Text, _, _n

NAME_MAX = 100
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 256
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CODE_SEPARATORS = re.compile(r"[\s\-]+")
# Invisible, never meant, and NUL is refused by PostgreSQL: dropped from what is typed.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# The 30,000 passwords most often found in breaches: zxcvbn's list, copied out of it
# (importing zxcvbn's lists costs every worker 12 MB; tests/plain/test_passwords.py keeps the copy
# true). Kept as one text, a line each (240 KB; a set of them would take 2.6 MB).
COMMON_PASSWORDS = "\n" + (Path(__file__).parent / "common_passwords.txt").read_text()


def is_common(password: str) -> bool:
    return f"\n{password.lower()}\n" in COMMON_PASSWORDS


CODE_SHAPE = re.compile(r"[0-9]{4,12}")  # Verify: 4-10 digits, Authy: up to 12
# A count as text: ASCII digits only (str.isdigit() takes "²" and "٣", which int() refuses or reads).
COUNT_SHAPE = re.compile(r"[0-9]{1,18}")


def whole_number(text: object, *, most: int) -> int | None:
    """A count given as text (a query, a header), at most `most`; None for anything
    else: "²", "-1", " 3", "3.5", or thousands of digits."""
    if not isinstance(text, str) or not COUNT_SHAPE.fullmatch(text):
        return None
    return min(int(text), most)


@dataclass(frozen=True)
class Poll:
    """What the code step's delivery poller sends: how long it waited before asking
    (0: the first time) and the state it showed then."""

    wait: int
    seen: str | None


def read_poll(query: Mapping[str, Any], states: Collection[str], most: int) -> Poll:
    seen = query.get("seen")
    return Poll(whole_number(query.get("wait"), most=most) or 0, seen if seen in states else None)


@dataclass(frozen=True)
class Invalid:
    errors: dict[str, Text]
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SignupDetails:
    name: str
    email: str
    password: str
    phone: Phone


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else ""


def _password(form: Mapping[str, Any], name: str) -> str:
    """Passwords are taken as typed: every character counts."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def mailbox(email: str) -> str:
    """What makes two emails one mailbox here, whatever their case: Python's lower(),
    in this one place (SQLite's lower() folds ASCII letters only, so É and é stayed
    two mailboxes there). Stored beside each account's email, unique."""
    return email.strip().lower()


def normalise_email(raw: str) -> str:
    """Trimmed, domain lower-cased; the local part is the mailbox owner's business."""
    local, _, domain = raw.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else raw.strip()


def kept_values(form: Mapping[str, Any], default_country: str) -> dict[str, str]:
    """What goes back into the form after a problem (never the password)."""
    country = _text(form, "country").upper()
    return {
        "name": _text(form, "name")[:NAME_MAX],
        "email": _text(form, "email")[:EMAIL_MAX],
        "country": country if country in COUNTRY_CODES else default_country,
        "phone": _text(form, "phone")[:40],
    }


def read_phone(form: Mapping[str, Any], default_country: str, allowed: tuple[str, ...] = ()) -> Phone | Invalid:
    """A mobile number we may text: parsed, and in an allowed country when a list is set."""
    values = kept_values(form, default_country)
    if not values["phone"]:
        return Invalid({"phone": _("Enter your mobile number")}, values)
    try:
        phone = parse_mobile(values["phone"], values["country"])
    except PhoneError as error:
        return Invalid({"phone": error.text}, values)
    if allowed and phone.country not in allowed:
        return Invalid(
            {"phone": _("We can only send codes to numbers in %(countries)s", countries=Countries(allowed))}, values
        )
    return phone


def password_problem(password: str, least: int = PASSWORD_MIN) -> Text | None:
    """`least`: the settings' password_min_length (15 where the password is the only factor)."""
    if len(password) < least:
        return _n(
            "Choose a password of at least %(num)d character",
            "Choose a password of at least %(num)d characters",
            least,
        )
    if len(password) > PASSWORD_MAX:
        return _n(
            "Your password can be at most %(num)d character",
            "Your password can be at most %(num)d characters",
            PASSWORD_MAX,
        )
    if is_common(password):
        return _("This password is one of the most common ones, so it is easy to guess. Choose another")
    return None


def read_signup(
    form: Mapping[str, Any], default_country: str, allowed: tuple[str, ...] = (), least: int = PASSWORD_MIN
) -> SignupDetails | Invalid:
    values = kept_values(form, default_country)
    password = _password(form, "password")
    errors: dict[str, Text] = {}
    if not values["name"]:
        errors["name"] = _("Enter your full name")
    elif len(_text(form, "name")) > NAME_MAX:
        errors["name"] = _n(
            "Your name can be at most %(num)d character", "Your name can be at most %(num)d characters", NAME_MAX
        )
    email = normalise_email(values["email"])
    if not email:
        errors["email"] = _("Enter your email address")
    elif len(email) > EMAIL_MAX or not EMAIL_SHAPE.fullmatch(email):
        errors["email"] = _("Enter an email address like name@example.com")
    if problem := password_problem(password, least):
        errors["password"] = problem
    phone = read_phone(form, default_country, allowed)
    if isinstance(phone, Invalid):
        errors.update(phone.errors)
    if errors or isinstance(phone, Invalid):
        return Invalid(errors, values)
    return SignupDetails(values["name"], email, password, phone)


def read_credentials(form: Mapping[str, Any]) -> Credentials | Invalid:
    email = normalise_email(_text(form, "email"))[:EMAIL_MAX]
    password = _password(form, "password")
    errors: dict[str, Text] = {}
    if not email:
        errors["email"] = _("Enter your email address")
    if not password:
        errors["password"] = _("Enter your password")
    return Invalid(errors, {"email": email}) if errors else Credentials(email, password)


def read_code(form: Mapping[str, Any]) -> str | Invalid:
    code = CODE_SEPARATORS.sub("", _text(form, "code"))
    if not CODE_SHAPE.fullmatch(code):
        return Invalid({"code": _("Enter the code from the text message, in digits")})
    return code


def read_email(form: Mapping[str, Any]) -> str | Invalid:
    email = normalise_email(_text(form, "email"))[:EMAIL_MAX]
    if not email:
        return Invalid({"email": _("Enter your email address")})
    if not EMAIL_SHAPE.fullmatch(email):
        return Invalid({"email": _("Enter an email address like name@example.com")}, {"email": email})
    return email


def read_new_password(form: Mapping[str, Any], name: str = "password", least: int = PASSWORD_MIN) -> str | Invalid:
    password = _password(form, name)
    problem = password_problem(password, least)
    return Invalid({name: problem}) if problem else password


@dataclass(frozen=True)
class PasswordChange:
    current: str
    new: str


def read_password_change(form: Mapping[str, Any], least: int = PASSWORD_MIN) -> PasswordChange | Invalid:
    errors: dict[str, Text] = {}
    current = _password(form, "current_password")
    if not current:
        errors["current_password"] = _("Enter your current password")
    new = read_new_password(form, "new_password", least)
    if isinstance(new, Invalid):
        errors.update(new.errors)
    return Invalid(errors) if errors or isinstance(new, Invalid) else PasswordChange(current, new)


def read_password_again(form: Mapping[str, Any], needed: bool) -> str | None | Invalid:
    """The password, when the sign-in is not recent (None: not needed)."""
    if not needed:
        return None
    password = _password(form, "password")
    return password or Invalid({"password": _("Enter your password")})


def read_close(form: Mapping[str, Any], password_needed: bool) -> str | None | Invalid:
    """Closing the account: the box ticked, and the password again when asked (None: not
    asked). Every problem at once, and a ticked box stays ticked."""
    errors: dict[str, Text] = {}
    ticked = form.get("confirm") == "yes"
    if not ticked:
        errors["confirm"] = _("Tick the box to confirm that you want to close your account")
    password = read_password_again(form, password_needed)
    if isinstance(password, Invalid):
        errors.update(password.errors)
    return Invalid(errors, {"confirm": "yes"} if ticked else {}) if errors else password
