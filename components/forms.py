"""Reading what a visitor typed: normalised values, or per-field messages."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from components.phones import COUNTRY_CODES, Phone, PhoneError, parse_mobile

NAME_MAX = 100
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX = 256
EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
CODE_SEPARATORS = re.compile(r"[\s\-]+")
CODE_SHAPE = re.compile(r"[0-9]{4,12}")  # Verify: 4-10 digits, Authy: up to 12


@dataclass(frozen=True)
class Invalid:
    errors: dict[str, str]
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


def _text(form: Mapping, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def normalise_email(raw: str) -> str:
    """Trimmed, domain lower-cased; the local part is the mailbox owner's business."""
    local, _, domain = raw.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if local else raw.strip()


def kept_values(form: Mapping, default_country: str) -> dict[str, str]:
    """What goes back into the form after a problem (never the password)."""
    country = _text(form, "country").upper()
    return {
        "name": _text(form, "name")[:NAME_MAX],
        "email": _text(form, "email")[:EMAIL_MAX],
        "country": country if country in COUNTRY_CODES else default_country,
        "phone": _text(form, "phone")[:40],
    }


def read_phone(form: Mapping, default_country: str) -> Phone | Invalid:
    values = kept_values(form, default_country)
    if not values["phone"]:
        return Invalid({"phone": "Enter your mobile number"}, values)
    try:
        return parse_mobile(values["phone"], values["country"])
    except PhoneError as error:
        return Invalid({"phone": str(error)}, values)


def read_signup(form: Mapping, default_country: str) -> SignupDetails | Invalid:
    values = kept_values(form, default_country)
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    errors = {}
    if not values["name"]:
        errors["name"] = "Enter your full name"
    elif len(_text(form, "name")) > NAME_MAX:
        errors["name"] = f"Your name can be at most {NAME_MAX} characters"
    email = normalise_email(values["email"])
    if not email:
        errors["email"] = "Enter your email address"
    elif len(email) > EMAIL_MAX or not EMAIL_SHAPE.fullmatch(email):
        errors["email"] = "Enter an email address like name@example.com"
    if len(password) < PASSWORD_MIN:
        errors["password"] = f"Choose a password of at least {PASSWORD_MIN} characters"
    elif len(password) > PASSWORD_MAX:
        errors["password"] = f"Your password can be at most {PASSWORD_MAX} characters"
    phone = read_phone(form, default_country)
    if isinstance(phone, Invalid):
        errors.update(phone.errors)
    if errors:
        return Invalid(errors, values)
    return SignupDetails(values["name"], email, password, phone)


def read_credentials(form: Mapping) -> Credentials | Invalid:
    email = normalise_email(_text(form, "email"))[:EMAIL_MAX]
    password = form.get("password") if isinstance(form.get("password"), str) else ""
    errors = {}
    if not email:
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"
    return Invalid(errors, {"email": email}) if errors else Credentials(email, password)


def read_code(form: Mapping) -> str | Invalid:
    code = CODE_SEPARATORS.sub("", _text(form, "code"))
    if not CODE_SHAPE.fullmatch(code):
        return Invalid({"code": "Enter the code from the text message, in digits"})
    return code
