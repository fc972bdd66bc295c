"""The Jinja2 environment every page and fragment is rendered with (in the language
of its `language` variable), and what it renders once instead of for every
visitor (the country list, per language)."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar, cast

from babel.dates import format_date
from jinja2 import StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from components.language import LANGUAGES, country_names, plural_rule, say, sort_key, translations
from components.phones import DIAL_CODES
from components.settings import Settings
from components.web.assets import version

templates = Jinja2Templates(directory=Path(__file__).resolve().parents[2] / "templates")
templates.env.undefined = StrictUndefined
templates.env.add_extension("jinja2.ext.i18n")


@pass_context
def _gettext(context: Context, message: str) -> str:
    return translations(context["language"]).gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    return translations(context["language"]).ngettext(singular, plural, count)


templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Countdown:
    text: str  # said for the count
    forms: dict[str, str]  # by plural category, as Intl.PluralRules names them; "{n}": the number


@pass_context
def _counting(context: Context, singular: str, plural: str, count: int) -> Countdown:
    """A sentence with a number of seconds in it that static/app.js counts down: said
    for `count`, and in each plural form the numbers below it take in the page's
    language (CLDR's categories, which the browser's Intl.PluralRules shares)."""
    language = context["language"]
    say_for = translations(language).ngettext
    category = plural_rule(language)
    forms: dict[str, str] = {}
    for n in range(1, min(count, 1000) + 1):
        forms.setdefault(category(n), say_for(singular, plural, n).replace("%(num)d", "{n}"))
    return Countdown(say_for(singular, plural, count) % {"num": count}, forms)


templates.env.globals["counting"] = _counting
# A flow's sentence (components/text.Text), said in the page's language.
templates.env.filters["said"] = pass_context(lambda context, text: say(text, context["language"]))
# Times are UNIX seconds; pages show them in UTC (static/app.js turns them into the visitor's own).
templates.env.filters["clock_time"] = lambda moment: datetime.fromtimestamp(moment, UTC).strftime("%H:%M")
# A day as the page's language writes it ("7 December 2026"), on UTC's calendar like clock_time.
templates.env.filters["day"] = pass_context(
    lambda context, moment: format_date(datetime.fromtimestamp(moment, UTC), "long", locale=context["language"])
)
templates.env.filters["iso_time"] = lambda moment: datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


@cache
def _options(allowed: tuple[str, ...], language: str) -> str:
    """The <option>s of every country codes may go to (240 of them), named and sorted
    for readers of `language`, rendered once."""
    names = country_names(language)
    shown = sorted(
        (code for code in DIAL_CODES if code in allowed or not allowed), key=lambda code: sort_key(names[code])
    )
    # In a right-to-left language a left-to-right mark holds the + before the digits (a list's
    # closed box ignores isolates), or it would jump to the end: "(1+)".
    dial = "(\u200e+{})" if LANGUAGES[language].direction == "rtl" else "(+{})"
    return "".join(
        f'<option value="{code}">{escape(names[code])} {dial.format(DIAL_CODES[code])}</option>' for code in shown
    )


@pass_context
def country_options(context: Context, allowed: tuple[str, ...], selected: str | None) -> Markup:
    """The country list with this visitor's country chosen (a known two-letter code)."""
    chosen = f'<option value="{selected}">'
    return Markup(_options(allowed, context["language"]).replace(chosen, f'<option value="{selected}" selected>', 1))


@pass_context
def chosen_country(context: Context, allowed: tuple[str, ...], selected: str | None) -> Markup:
    """Only the chosen country: for a fragment, whose page already has the list
    (static/app.js puts it back; the list is ~3 KB compressed, a fragment's budget)."""
    found = re.search(f'<option value="{selected}">[^<]*</option>', _options(allowed, context["language"]))
    return Markup(found.group(0).replace(">", " selected>", 1) if found else "")


templates.env.globals.update(country_options=country_options, chosen_country=chosen_country)

_rendered: dict[tuple[str, ...], Any] = {}
T = TypeVar("T")
_INDENT = re.compile(r"\n\s+")


def compact(html: str) -> str:
    """Markup without its templates' indentation and blank lines, which a browser collapses
    anyway (no template has a <pre> or <textarea>): a fragment's budget is 3 KB."""
    return _INDENT.sub("\n", html)


def rendered_once(key: tuple[str, ...], render: Callable[[], T]) -> T:
    """A page that is the same for every new visitor (or its compressed form), made once
    (in development, every time: templates change under it)."""
    if templates.env.auto_reload:
        return render()
    if key not in _rendered:
        _rendered[key] = render()
    return cast(T, _rendered[key])


def site_context(settings: Settings | None) -> dict[str, str]:
    """What every page's frame shows of the site: its name, and the footer's links (the
    privacy notice: the operator's, else the app's own; a way to reach a person, if set)."""
    if settings is None:  # an error before the app is up
        return {"app_name": "Account Verification", "privacy_url": "", "support_url": ""}
    return {"app_name": settings.app_name, "privacy_url": settings.privacy_url, "support_url": settings.support_link}


def name_routes(path: Callable[..., str]) -> None:
    """Templates name the routes they link to (`path("sign_in")`, `static("app.css")`):
    the step table writes each path once."""
    templates.env.globals["path"] = path
    templates.env.globals["static"] = lambda name: f"{path('static', path=name)}?v={version(name)}"


def reload_templates(development: bool) -> None:
    """Outside development, templates are read once: no disk check on every render."""
    templates.env.auto_reload = development
    _rendered.clear()
