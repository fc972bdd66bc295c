"""The languages pages and texts are in: which exist, which one a visitor gets,
and saying a Text in one.

The catalogs are the `.po` files in components/translations/ (what translators
edit); they are compiled in memory the first time a language is used and at
start-up, so there is no compiled file to forget to build. English is the
messages themselves."""

import gettext
import json
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any, Literal

from babel import Locale
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from components.text import Countries, LeftToRight, Text

CATALOGS = Path(__file__).resolve().parent / "translations"
COOKIE = "lang"
DEFAULT = "en"


class CatalogError(ValueError):
    """A translation that cannot be used as it is."""


class UncataloguedMessage(UserWarning):
    """A message the catalogs do not have (a typo, or the extractor not run): it shows
    in English whatever the language. The tests turn every warning into an error."""


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in itself: what its readers look for in the switcher
    direction: Literal["ltr", "rtl"] = "ltr"


LANGUAGES = {
    language.code: language
    for language in (
        Language("en", "English"),
        Language("es", "Español"),
        Language("fr", "Français"),
        Language("ar", "العربية", "rtl"),
    )
}


@cache
def translations(code: str) -> gettext.NullTranslations:
    if code == DEFAULT:
        return gettext.NullTranslations()
    with (CATALOGS / f"{code}.po").open("rb") as po:
        catalog = read_po(po)  # its plural rules are the file's own (Plural-Forms)
    # A placeholder a translation renamed, or a plural form missing, would fail a visitor's request.
    problems = [f"{message.id!r}: {error}" for message, errors in catalog.check() for error in errors]
    if problems:
        raise CatalogError(f"{code}.po: " + "; ".join(problems))
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out: English shows until someone checks them
    compiled.seek(0)
    return Translations(compiled)


def plural_rule(code: str) -> Callable[[int], str]:
    """A number's plural category in the language (CLDR's: one, two, few, many, other…),
    as browsers' Intl.PluralRules name them."""
    return Locale.parse(code).plural_form


def load_all() -> None:
    """At start-up: a broken catalog stops the start, not a visitor's request."""
    for code in LANGUAGES:
        translations(code)


def supported(code: str | None) -> str | None:
    """The language we have for a tag like `fr-CA` or `es`, if any."""
    primary = (code or "").strip().split("-")[0].split("_")[0].lower()
    return primary if primary in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The browser's most preferred language we have (`fr-CA,fr;q=0.9,en;q=0.8`)."""
    ranked = []
    for position, item in enumerate((header or "").split(",")[:20]):
        tag, _, parameters = item.partition(";")
        weight = 1.0
        if parameters.strip().startswith("q="):
            try:
                weight = float(parameters.strip()[2:])
            except ValueError:
                continue
        if (found := supported(tag)) and weight > 0:
            ranked.append((-weight, position, found))
    return min(ranked)[2] if ranked else None


def chosen(cookie: str | None, accept_language: str | None) -> str:
    """The visitor's own choice, else their browser's, else English."""
    return supported(cookie) or from_accept_language(accept_language) or DEFAULT


def say(text: Text | str, code: str) -> str:
    """The Text in language `code`, its values put in (themselves said in it)."""
    if isinstance(text, str):
        return text
    for message in (text.message, text.plural):
        if message is not None and message not in _catalogued():
            warnings.warn(UncataloguedMessage(message), stacklevel=2)
    found = translations(code)
    sentence = found.ngettext(text.message, text.plural, text.count) if text.plural else found.gettext(text.message)
    return sentence % {name: _value(value, code) for name, value in text.values} if text.values else sentence


@cache
def _catalogued() -> frozenset[str]:
    """Every message translators have (messages.pot), plural forms included."""
    with (CATALOGS / "messages.pot").open("rb") as pot:
        ids = [message.id for message in read_po(pot)]
    return frozenset(text for found in ids for text in ([found] if isinstance(found, str) else found))


def _value(value: Any, code: str) -> Any:
    if isinstance(value, Text):
        return say(value, code)
    if isinstance(value, LeftToRight):  # isolated in right-to-left text, or its + and - would move
        return f"\u2066{value.value}\u2069" if LANGUAGES[code].direction == "rtl" else value.value
    if isinstance(value, Countries):
        names = country_names(code)
        return format_list([names.get(country, country) for country in value.codes], locale=code)
    return value


COUNTRY_NAMES = CATALOGS / "countries.json"


@cache
def country_names(code: str) -> dict[str, str]:
    """Every country's name in language `code`, as CLDR has it: copied out of Babel's data
    by `python -m components.extract_messages` (loading that data costs each worker 8 MB;
    tests/plain/test_phones.py keeps the copy true)."""
    names: dict[str, str] = json.loads(COUNTRY_NAMES.read_text(encoding="utf-8"))[code]
    return names


def names_from_cldr(code: str, countries: Iterable[str]) -> dict[str, str]:
    return {country: Locale.parse(code).territories[country] for country in sorted(countries)}


def sort_key(name: str) -> str:
    """Alphabetical as a reader expects: accents and Arabic hamza marks do not move
    a name (Å sorts with A, أ with ا), case does not count."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()
