"""For translators: `python -m components.extract_messages` collects every message
marked for translation (`_`, `_n`, `N_` in Python; `{% trans %}`, `_()`,
`ngettext()` in templates) into components/translations/messages.pot, and brings
each language's .po up to date with it: new messages arrive empty, changed ones
marked fuzzy (shown in English until a translator checks them), gone ones
dropped. pybabel's extract and update, configured once here. It also copies
each language's country names out of Babel's CLDR data (countries.json)."""

import json
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from components.language import CATALOGS, COUNTRY_NAMES, DEFAULT, LANGUAGES, names_from_cldr
from components.phones import COUNTRY_CODES

ROOT = Path(__file__).resolve().parent.parent
SOURCES = {
    "components": [("**.py", "python")],
    "routes": [("**.py", "python")],
    "templates": [("**.html", "jinja2.ext:babel_extract")],
}
KEYWORDS = {**DEFAULT_KEYWORDS, "_n": (1, 2), "counting": (1, 2)}  # counting: templates' countdowns
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n"}}


def extracted() -> Catalog:
    """Every message in the code and the templates, with where it is used."""
    catalog = Catalog(project="Account Verification", charset="utf-8", fuzzy=False)
    for folder, methods in SOURCES.items():
        found = extract_from_dir(
            ROOT / folder, methods, OPTIONS, KEYWORDS, comment_tags=("Translators:",), strip_comment_tags=True
        )
        for filename, line, message, comments, context in found:
            catalog.add(message, None, [(f"{folder}/{filename}", line)], auto_comments=comments, context=context)
    return catalog


def translated(message: Message) -> bool:
    """Every form filled in, and checked (not fuzzy)."""
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and not message.fuzzy


def update() -> None:
    template = extracted()
    with (CATALOGS / "messages.pot").open("wb") as pot:
        write_po(pot, template, width=100, omit_header=False)
    for code in LANGUAGES:
        if code == DEFAULT:
            continue
        path = CATALOGS / f"{code}.po"
        if path.exists():
            with path.open("rb") as po:
                catalog = read_po(po, locale=code)
        else:  # a new language: its plural rules come from Babel's data
            catalog = Catalog(locale=code, project="Account Verification", fuzzy=False)
        catalog.update(template, update_header_comment=False)
        with path.open("wb") as po:
            write_po(po, catalog, width=100, ignore_obsolete=True)  # git keeps what was removed
        untranslated = sum(1 for message in catalog if message.id and not translated(message))
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages, {untranslated} to translate or check")
    names = {code: names_from_cldr(code, COUNTRY_CODES) for code in LANGUAGES}
    COUNTRY_NAMES.write_text(json.dumps(names, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{COUNTRY_NAMES.relative_to(ROOT)}: country names from CLDR")


if __name__ == "__main__":
    update()
