"""Sentences for people, kept as English messages and said in the reader's
language only when shown (components/language.py). A flow knows nothing of the
request, so it returns a Text: the message, its plural, and the values that go
in it. `_` and `_n` are the names the message extractor looks for."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Text:
    message: str  # English, with named %(placeholders)s a translation may move
    plural: str | None = None
    count: int = 0
    values: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Countries:
    """Country names as a value in a Text, listed in the reader's language."""

    codes: tuple[str, ...]


@dataclass(frozen=True)
class LeftToRight:
    """A value that reads left to right in any language: a phone number, an email."""

    value: str


def _(message: str, **values: Any) -> Text:
    return Text(message, values=tuple(values.items()))


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Marked for translation, and translated later with its values (`_(message, **values)`)."""
    return message


def _n(singular: str, plural: str, count: int, **values: Any) -> Text:
    """A message with a count (`%(num)d` in it); the language's plural rules pick the form."""
    return Text(singular, plural, count, tuple({"num": count, **values}.items()))


def one_after_another(first: Text, second: Text) -> Text:
    """Two sentences as one message (each is translated on its own)."""
    # Translators: two sentences that are already translated; keep a space between them.
    return _("%(first)s %(second)s", first=first, second=second)
