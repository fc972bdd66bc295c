"""The Jinja2 environment every page and fragment is rendered with, and what it
renders once instead of for every visitor (the country list)."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from jinja2 import StrictUndefined
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from components.phones import COUNTRIES
from routes.assets import static_url

templates = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
templates.env.undefined = StrictUndefined
templates.env.globals["static"] = static_url
# Times are UNIX seconds; pages show them in UTC (static/app.js turns them into the visitor's own).
templates.env.filters["clock_time"] = lambda moment: datetime.fromtimestamp(moment, UTC).strftime("%H:%M")
templates.env.filters["iso_time"] = lambda moment: datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


@cache
def _options(allowed: tuple[str, ...]) -> str:
    """The <option>s of every country codes may go to: 240 of them, rendered once."""
    shown = [country for country in COUNTRIES if country.code in allowed] if allowed else COUNTRIES
    return "".join(
        f'<option value="{country.code}">{escape(country.name)} (+{country.dial_code})</option>' for country in shown
    )


def country_options(allowed: tuple[str, ...], selected: str | None) -> Markup:
    """The country list with this visitor's country chosen (a known two-letter code)."""
    chosen = f'<option value="{selected}">'
    return Markup(_options(allowed).replace(chosen, f'<option value="{selected}" selected>', 1))


def chosen_country(allowed: tuple[str, ...], selected: str | None) -> Markup:
    """Only the chosen country: for a fragment, whose page already has the list
    (static/app.js puts it back; the list is ~3 KB compressed, a fragment's budget)."""
    found = re.search(f'<option value="{selected}">[^<]*</option>', _options(allowed))
    return Markup(found.group(0).replace(">", " selected>", 1) if found else "")


templates.env.globals.update(country_options=country_options, chosen_country=chosen_country)

_rendered: dict[tuple[str, str], str] = {}


def rendered_once(key: tuple[str, str], render: Callable[[], str]) -> str:
    """A page that is the same for every new visitor, rendered once (in development,
    every time: templates change under it)."""
    if templates.env.auto_reload:
        return render()
    if key not in _rendered:
        _rendered[key] = render()
    return _rendered[key]


def reload_templates(development: bool) -> None:
    """Outside development, templates are read once: no disk check on every render."""
    templates.env.auto_reload = development
    _rendered.clear()
