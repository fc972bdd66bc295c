"""Phone numbers: the countries codes can go to, parsing to E.164, and masked display."""

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from components.text import LeftToRight, Text, _

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


# Dial codes from phonenumbers' table: asking each region would load every region's metadata (300 modules).
DIAL_CODES = {
    region: code
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
    for region in regions
    if region in phonenumbers.SUPPORTED_REGIONS
}
COUNTRY_CODES = frozenset(DIAL_CODES)


class PhoneError(ValueError):
    """The number cannot receive a code; `text` says why, for the user."""

    def __init__(self, text: Text):
        super().__init__(text.message)
        self.text = text


@dataclass(frozen=True)
class Phone:
    e164: str
    country: str


def parse_mobile(raw: str, country: str) -> Phone:
    """A mobile-capable number in E.164; a number typed with + wins over the country."""
    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        raise PhoneError(
            _("Enter a mobile number, like %(example)s", example=LeftToRight(example_mobile(country)))
        ) from None
    if not phonenumbers.is_valid_number(number):
        if raw.lstrip().startswith("+"):  # typed with its country code: the list played no part
            raise PhoneError(_("This is not a valid mobile number. Check the digits after the country code"))
        raise PhoneError(
            _(
                "This is not a valid number for the country chosen. Enter it like %(example)s",
                example=LeftToRight(example_mobile(country)),
            )
        )
    # Satellite and other non-geographic ranges (+870, +881, +882 …: region "001")
    # call themselves mobiles, and cost a premium to text.
    if phonenumbers.region_code_for_number(number) not in COUNTRY_CODES:
        raise PhoneError(
            _("Enter a mobile number from a country: we can't send codes to satellite or international service numbers")
        )
    if phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise PhoneError(_("Enter a mobile number that can receive text messages"))
    # Regions share dial codes (+44: GB, GG, JE, IM); keep the one chosen when it fits.
    if not phonenumbers.is_valid_number_for_region(number, country):
        country = phonenumbers.region_code_for_number(number) or country
    return Phone(phonenumbers.format_number(number, PhoneNumberFormat.E164), country)


@lru_cache(maxsize=1024)  # a step shows, logs and texts the same number: parsing it was 5 % of a signup
def mask(e164: str, dot: str = "•") -> str:
    """+1 •••-•••-5309: the country code and last four digits, nothing else (in a text
    message, `dot="*"`: a • would switch it to the costlier UCS-2 alphabet)."""
    number = phonenumbers.parse(e164)
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    prefix = f"+{number.country_code}"
    national = formatted[len(prefix) :]
    hidden = sum(ch.isdigit() for ch in national) - 4
    masked = []
    for ch in national:
        if ch.isdigit() and hidden > 0:
            masked.append(dot)
            hidden -= 1
        else:
            masked.append(ch)
    return prefix + "".join(masked)


def on_one_line(number: str) -> str:
    """A number as a page shows it: its spaces and hyphens do not break (a number split
    over two lines misreads, worst in a right-to-left sentence). Never in a text message:
    these characters are not GSM-7."""
    return number.replace(" ", "\u00a0").replace("-", "\u2011")


def shown_mask(e164: str) -> str:
    """The masked number (`mask`), as a page shows it: on one line."""
    return on_one_line(mask(e164))


def international_form(e164: str) -> str:
    """+1 201-867-5309: the whole number, as its country writes it for a caller abroad."""
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)


def national_form(e164: str) -> str:
    """The number as typed at home (for the form when it is shown again)."""
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.NATIONAL)


def example_mobile(country: str) -> str:
    example = phonenumbers.example_number_for_type(country, PhoneNumberType.MOBILE)
    return phonenumbers.format_number(example, PhoneNumberFormat.NATIONAL) if example else "+1 201 555 0123"


def split(e164: str) -> tuple[int, str]:
    """Country calling code and national number, as Authy wants them."""
    number = phonenumbers.parse(e164)
    return number.country_code or 0, phonenumbers.national_significant_number(number)


def country_of(e164: str) -> str:
    """The two-letter country a stored number belongs to ('??' if none can be told)."""
    return phonenumbers.region_code_for_number(phonenumbers.parse(e164)) or "??"
