"""The catalogs: each language has every message the code and templates use, with
every plural form, the same placeholders and the same markup; and every sentence a
page shows goes through them (a pseudo-language that brackets each translated
message finds any that does not)."""

import re
from collections import Counter
from html.parser import HTMLParser

import pytest
from babel.dates import format_date as language_date
from babel.messages.pofile import read_po, write_po
from support import JENNY, words

from components import language
from components.extract_messages import extracted, translated
from components.flows.results import minutes
from components.language import CATALOGS, DEFAULT, LANGUAGES, Language, say
from components.text import _, _n

TRANSLATED = [code for code in LANGUAGES if code != DEFAULT]
PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")
TAG = re.compile(r"</?\w+[^>]*>")
COUNTS = {"num", "count"}  # a form for one or two may spell its count out ("دقيقتين")


def _catalog(code):
    with (CATALOGS / f"{code}.po").open("rb") as po:
        return read_po(po)


def _forms(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_catalog_has_exactly_the_messages_the_code_uses(code):
    used = {message.id for message in extracted() if message.id}
    listed = {message.id for message in _catalog(code) if message.id}
    assert used - listed == set(), "missing: run python -m components.extract_messages and translate"
    assert listed - used == set(), "no longer used: run python -m components.extract_messages"


def test_the_template_for_translators_is_up_to_date():
    with (CATALOGS / "messages.pot").open("rb") as pot:
        listed = {message.id for message in read_po(pot) if message.id}
    assert listed == {message.id for message in extracted() if message.id}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated_in_every_plural_form(code):
    catalog = _catalog(code)
    untranslated = [message.id for message in catalog if message.id and not translated(message)]
    assert untranslated == []
    for message in catalog:
        if isinstance(message.id, tuple):
            assert len(message.string) == catalog.num_plurals, message.id


def _mismatches(catalog) -> list[tuple[str, str]]:
    """Translations whose placeholders or tags differ from their message's."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        wanted = set().union(*(PLACEHOLDER.findall(text) for text in _ids(message)))
        for form in _forms(message):
            kept = set(PLACEHOLDER.findall(form))
            spelled_out = {(name, kind) for name, kind in wanted - kept if name in COUNTS}
            if kept != wanted - spelled_out or Counter(TAG.findall(form)) != Counter(TAG.findall(_ids(message)[0])):
                found.append((_ids(message)[0], form))
    return found


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_the_placeholders_and_the_markup(code):
    assert _mismatches(_catalog(code)) == []


@pytest.mark.parametrize(
    ("message", "translation"),
    [
        ("Welcome back, %(name)s.", "Hola de nuevo."),  # a placeholder lost
        ("Welcome back, %(name)s.", "Hola de nuevo, %(nombre)s."),  # renamed
        ("That code is not right. %(num)d attempt left.", "Ese código no es correcto. Te queda %(num)s intento."),
        ("For <bdi>%(email)s</bdi>. Every other browser will be signed out.", "Para %(email)s."),  # markup lost
    ],
)
def test_a_translation_that_loses_a_placeholder_or_markup_is_caught(message, translation):
    catalog = _catalog("es")
    entry = catalog[message]
    entry.string = tuple(translation for _ in entry.string) if isinstance(entry.string, tuple) else translation
    assert _mismatches(catalog) == [(message, translation)] * (
        len(entry.string) if isinstance(entry.string, tuple) else 1
    )


def test_a_message_the_catalogs_do_not_have_is_a_warning_and_here_an_error():
    """What a typo in a flow's message, or a message added without the extractor, looks like."""
    with pytest.warns(language.UncataloguedMessage, match="Your number is verifed"):
        assert say(_("Your number is verifed."), "es") == "Your number is verifed."
    plural_typo = _n(
        "That code is not right. %(num)d attempt left.", "That code is not right. %(num)d atempts left.", 4
    )
    with pytest.warns(language.UncataloguedMessage, match="atempts"):
        say(plural_typo, "en")


@pytest.mark.parametrize(
    ("code", "counts", "expected"),
    [
        ("en", (1, 4), ["1 minute", "4 minutes"]),
        ("es", (1, 4), ["1 minuto", "4 minutos"]),
        ("fr", (0, 1, 4), ["0 minute", "1 minute", "4 minutes"]),
        ("ar", (1, 2, 3, 11, 100), ["دقيقة واحدة", "دقيقتين", "3 دقائق", "11 دقيقة", "100 دقيقة"]),
    ],
)
def test_counts_take_each_languages_plural_forms(code, counts, expected):
    assert [say(minutes(count * 60), code) for count in counts] == expected


def test_a_catalog_whose_translation_would_fail_a_request_stops_the_start(tmp_path, monkeypatch):
    for code in TRANSLATED:
        (tmp_path / f"{code}.po").write_bytes((CATALOGS / f"{code}.po").read_bytes())
    spanish = (tmp_path / "es.po").read_text()
    (tmp_path / "es.po").write_text(spanish.replace('"Hola de nuevo, %(name)s."', '"Hola de nuevo, %(nombre)s."'))
    monkeypatch.setattr(language, "CATALOGS", tmp_path)
    language.translations.cache_clear()
    try:
        with pytest.raises(language.CatalogError, match="nombre"):
            language.load_all()
    finally:
        language.translations.cache_clear()


# Every sentence on every page goes through a catalog -----------------------------

PSEUDO = "qps"  # a pseudo-language: each message, translated, is bracketed ⟦like this⟧


@pytest.fixture
def pseudo(tmp_path, monkeypatch):
    """The pseudo-language, built from every message the code uses, beside the real ones."""
    catalog = extracted()
    for message in catalog:
        if message.id:
            message.string = (
                tuple(f"⟦{text}⟧" for text in message.id) if isinstance(message.id, tuple) else f"⟦{message.id}⟧"
            )
    for code in LANGUAGES:
        if code != DEFAULT:
            (tmp_path / f"{code}.po").write_bytes((CATALOGS / f"{code}.po").read_bytes())
    with (tmp_path / f"{PSEUDO}.po").open("wb") as po:
        write_po(po, catalog)
    monkeypatch.setattr(language, "CATALOGS", tmp_path)
    monkeypatch.setitem(language.LANGUAGES, PSEUDO, Language(PSEUDO, "Pseudo"))
    monkeypatch.setattr("components.web.templates.country_names", lambda code: language.country_names(DEFAULT))
    monkeypatch.setattr("components.web.templates.plural_rule", lambda code: language.plural_rule(DEFAULT))
    real_date = language_date  # Babel knows no pseudo-language's calendar words
    monkeypatch.setattr(
        "components.web.templates.format_date", lambda moment, form, locale: real_date(moment, form, locale=DEFAULT)
    )
    yield PSEUDO
    language.translations.cache_clear()


class _Visible(HTMLParser):
    """What a person sees or hears: text outside scripts, country options and templates,
    and the attributes read aloud or shown by static/app.js."""

    HIDDEN = {"script", "style", "template", "option", "select"}
    READ = {"aria-label", "title", "placeholder", "alt", "data-too-much", "data-failed", "data-offline"}
    READ |= {"data-show", "data-hide", "data-show-label", "data-hide-label", "data-shown", "data-hidden"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN
        self.parts.extend(value for name, value in attrs if name in self.READ and value)
        if tag == "meta" and ("name", "description") in attrs:  # what a search result shows
            self.parts.extend(value for name, value in attrs if name == "content" and value)

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


# What is not a message: people's own details, the app's name, language names (each in itself).
OWN_WORDS = [
    JENNY["name"],
    JENNY["email"],
    "Account Verification",
    "English",
    "Español",
    "Français",
    "العربية",
    "Pseudo",
]


def _untranslated(page) -> str:
    reader = _Visible()
    reader.feed(words(page))
    text = " ".join(reader.parts)
    while (stripped := re.sub(r"⟦[^⟦⟧]*⟧", " ", text)) != text:
        text = stripped
    for own in OWN_WORDS:
        text = text.replace(own, " ")
    return " ".join(re.findall(r"\w*[^\W\d_]\w*", text))  # any word with a letter left over


def test_every_sentence_on_every_step_goes_through_a_catalog(pseudo, new_visitor, outbox, clock):
    visitor = new_visitor(htmx=False)
    visitor.client.cookies.set("lang", pseudo, domain="testserver.local")
    seen = {}

    def look(name, page):
        assert page.status_code < 500, name
        seen[name] = _untranslated(page)

    look("signup", visitor.open())
    look("signup with problems", visitor.sign_up(name="", email="nope", password="short", phone="12"))
    look("code", visitor.sign_up())
    look("wrong code", visitor.enter_code("000000"))
    look("resend too soon", visitor.resend())
    look("different number", visitor.different_number())
    clock.advance(30)  # a new number is sent a code as a resend would be
    visitor.set_number("+1 201 555 0147")
    look("account", visitor.enter_code(outbox.last_code("+12015550147")))
    look("password", visitor.open("/account/password"))
    clock.advance(3600)
    look("new number, password again", visitor.open("/account/mobile"))
    look("close", visitor.open("/account/close"))
    look("signed out", visitor.sign_out())
    look("signin", visitor.open("/signin"))
    look("signin code", visitor.sign_in(password=JENNY["password"]))
    visitor.sign_out()
    look("reset", visitor.open("/password/forgot"))
    look("reset code", visitor.request_reset())
    look("not found", visitor.open("/nowhere"))
    look("privacy", visitor.open("/privacy"))
    visitor.htmx = True
    look("signup as a fragment", visitor.open())
    assert {name: left for name, left in seen.items() if left} == {}
    assert len(seen) == 18
