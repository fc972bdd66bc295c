"""Which language a visitor gets (their choice, else their browser's, else English),
the switcher on every page, right-to-left Arabic, country names in the visitor's
language, and texts in the account's language."""

import re

import pytest
from support import JENNY, JENNY_E164, words

from components.language import COOKIE as LANGUAGE_COOKIE
from components.language import from_accept_language, say
from components.purposes import PURPOSES


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-MX,es;q=0.9,en;q=0.5", "es"),
        ("de-DE, fr;q=0.8, en;q=0.7", "fr"),
        ("en;q=0.2, ar-EG;q=0.9", "ar"),
        ("de, it", None),
        ("fr;q=0, es;q=0.1", "es"),
        ("fr;q=abc, es;q=0.1", "es"),
        ("", None),
        (None, None),
    ],
)
def test_the_browsers_most_wanted_language_we_have_is_chosen(header, expected):
    assert from_accept_language(header) == expected


def test_a_browser_asking_for_spanish_gets_the_page_in_spanish(new_visitor):
    page = new_visitor(htmx=False).speaks("es-MX,es;q=0.9,en;q=0.5").open()
    assert '<html lang="es" dir="ltr">' in page.text
    assert "<title>Crea tu cuenta · Account Verification</title>" in words(page)
    assert page.headers["Content-Language"] == "es"
    assert "Accept-Language" in page.headers["Vary"]


def test_a_browser_asking_for_a_language_we_do_not_have_gets_english(new_visitor):
    page = new_visitor(htmx=False).speaks("de-DE,de;q=0.9").open()
    assert '<html lang="en" dir="ltr">' in page.text
    assert "Create your account" in words(page)


def test_every_page_links_each_language_named_in_itself(new_visitor):
    page = new_visitor(htmx=False).speaks("fr").open("/signin")
    links = re.findall(
        r'<a href="/language/(\w+)" lang="(\w+)" hreflang="(\w+)"( aria-current="true")?>([^<]+)</a>', page.text
    )
    assert [(code, name, bool(current)) for code, _, _, current, name in links] == [
        ("en", "English", False),
        ("es", "Español", False),
        ("fr", "Français", True),
        ("ar", "العربية", False),
    ]
    assert all(code == lang == hreflang for code, lang, hreflang, _, _ in links)


def test_a_chosen_language_is_remembered_and_wins_over_the_browsers(new_visitor):
    visitor = new_visitor(htmx=False).speaks("fr")
    chosen = visitor.choose_language("es", on="/signin")
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/signin"  # back where the link was
    assert "HttpOnly" in chosen.headers["set-cookie"] and "lang=es" in chosen.headers["set-cookie"]
    assert "Iniciar sesión" in words(visitor.open("/signin"))
    assert '<html lang="es"' in visitor.open("/").text


@pytest.mark.parametrize("referer", ["https://evil.example/signin", "http://testserver//evil.example/x", ""])
def test_the_switcher_goes_back_only_to_a_page_of_this_site(new_visitor, referer):
    visitor = new_visitor(htmx=False)
    chosen = visitor.client.get("/language/fr", headers={"Referer": referer}, follow_redirects=False)
    assert chosen.headers["location"] == "/"


def test_an_unknown_language_changes_nothing(new_visitor):
    visitor = new_visitor(htmx=False)
    chosen = visitor.choose_language("xx")
    assert chosen.headers["location"] == "/"
    assert "set-cookie" not in chosen.headers
    assert '<html lang="en"' in visitor.open().text


def test_arabic_reads_right_to_left_with_numbers_and_emails_left_to_right(new_visitor, outbox):
    visitor = new_visitor(htmx=False).speaks("ar")
    page = visitor.sign_up()
    assert '<html lang="ar" dir="rtl">' in page.text
    assert '<strong class="nowrap" dir="ltr">+1 201-867-5309</strong>' in words(page)
    form = visitor.post("/number/change")
    assert re.search(r'<input id="phone" name="phone" type="tel"[^>]* dir="ltr"', form.text)
    # The country list keeps each dial code left to right inside the Arabic name.
    assert "الولايات المتحدة (\u200e+1)" in words(form)


def test_a_message_with_a_phone_number_isolates_it_in_arabic(new_visitor, outbox, clock):
    visitor = new_visitor().speaks("ar")
    visitor.sign_up()
    clock.advance(60)  # past the resend cooldown
    page = visitor.resend()
    assert "أرسلنا رمزًا جديدًا إلى \u2066+1 201-867-5309\u2069." in words(page)


def test_country_names_are_in_the_visitors_language_and_in_its_order(new_visitor):
    page = new_visitor(htmx=False).speaks("es").open()
    names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+) \(\+\d+\)</option>', words(page))
    assert "Alemania" in names and "Estados Unidos" in names and "Germany" not in names
    # Accents do not move a name: Ecuador, Egipto, El Salvador, ... España, Estados Unidos.
    assert names.index("Ecuador") < names.index("Egipto") < names.index("España") < names.index("Estados Unidos")


def test_the_signup_page_keeps_the_chosen_country_in_any_language(new_visitor):
    visitor = new_visitor(htmx=False).speaks("fr")
    page = visitor.sign_up(phone="", country="FR")
    assert page.status_code == 422
    assert '<option value="FR" selected>France (+33)</option>' in words(page)
    assert "Saisissez votre numéro de portable" in words(page)


def test_a_wrong_code_says_how_many_tries_are_left_in_the_visitors_language(new_visitor, outbox):
    spanish = new_visitor().speaks("es")
    spanish.sign_up()
    assert "Ese código no es correcto. Te quedan 4 intentos." in words(spanish.enter_code("000000"))
    arabic = new_visitor(address="203.0.113.20").speaks("ar")
    arabic.sign_up(email="amal@example.com", phone="+1 201 555 0147")
    assert "الرمز غير صحيح. بقيت لك 4 محاولات." in words(arabic.enter_code("000000"))


def test_an_error_page_is_in_the_visitors_language(new_visitor):
    page = new_visitor(htmx=False).speaks("fr-FR").open("/nowhere")
    assert page.status_code == 404
    assert '<html lang="fr" dir="ltr">' in page.text
    assert "Page introuvable" in words(page)


def test_a_spanish_signup_gets_its_code_and_confirmation_in_spanish(new_visitor, outbox):
    visitor = new_visitor().speaks("es-ES")
    visitor.sign_up()
    code_text = outbox.messages(JENNY_E164)[-1]["body"]
    assert code_text.startswith("Tu código de verificación de Account Verification es ")
    assert code_text.endswith(f"#{outbox.last_code()}")  # the line browsers read stays as it is
    visitor.enter_code(outbox.last_code())
    assert (
        outbox.messages(JENNY_E164)[-1]["body"]
        == "Tu cuenta de Account Verification está verificada. ¡Te damos la bienvenida!"
    )


def test_the_accounts_texts_follow_the_language_it_last_chose(new_visitor, outbox):
    visitor = new_visitor().speaks("es")
    visitor.sign_up()
    visitor.enter_code(outbox.last_code())
    assert visitor.choose_account_language("fr").status_code == 303  # signed in: the account's texts follow
    visitor.client.headers["Accept-Language"] = "es"
    visitor.client.cookies.delete(LANGUAGE_COOKIE)  # this browser's choice is not what the text follows
    visitor.post("/account/password", {"current_password": JENNY["password"], "new_password": "a new long passphrase"})
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith(
        "Le mot de passe de votre compte Account Verification a été modifié à l'instant."
    )


def test_a_visitor_who_only_switches_language_changes_no_account(new_visitor, outbox):
    """Someone else's browser choosing a language touches only its own cookie."""
    owner = new_visitor().speaks("es")
    owner.sign_up()
    owner.enter_code(outbox.last_code())
    stranger = new_visitor(address="198.51.100.7")
    stranger.choose_language("ar")
    owner.post("/account/password", {"current_password": JENNY["password"], "new_password": "a new long passphrase"})
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith("Se acaba de cambiar la contraseña")


def test_a_link_to_the_switcher_changes_the_page_and_never_the_accounts_texts(new_visitor, outbox):
    """A link from another site (sent with the session cookie) is a GET: it may change
    what this browser reads, not what the account's phone is sent."""
    owner = new_visitor().speaks("es")
    owner.sign_up()
    owner.enter_code(outbox.last_code())
    lured = owner.client.get("/language/ar", headers={"Referer": "https://evil.example/"}, follow_redirects=False)
    assert lured.status_code == 303 and "lang=ar" in lured.headers["set-cookie"]
    owner.post("/account/password", {"current_password": JENNY["password"], "new_password": "a new long passphrase"})
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith("Se acaba de cambiar la contraseña")


def test_a_signed_in_switcher_posts_a_form_with_the_token_and_an_anonymous_one_links(new_visitor, outbox):
    visitor = new_visitor(htmx=False)
    assert 'href="/language/fr"' in visitor.open().text and 'action="/language"' not in visitor.open().text
    visitor.sign_up()
    page = visitor.enter_code(outbox.last_code())
    switcher = re.search(r'<nav id="languages".*?</nav>', page.text, flags=re.S).group(0)
    assert switcher.count('<form method="post" action="/language"') == 1
    assert switcher.count('name="csrf_token"') == 1 and switcher.count("<button") == 4 and "href=" not in switcher
    assert '<button name="language" value="ar" lang="ar"' in switcher


def test_a_switch_without_the_forms_token_changes_no_account(new_visitor, outbox):
    owner = new_visitor().speaks("es")
    owner.sign_up()
    owner.enter_code(outbox.last_code())
    forged = owner.client.post("/language", data={"language": "ar"}, follow_redirects=False)
    assert forged.status_code == 403 and "lang=" not in forged.headers.get("set-cookie", "")
    owner.post("/account/password", {"current_password": JENNY["password"], "new_password": "a new long passphrase"})
    assert outbox.messages(JENNY_E164)[-1]["body"].startswith("Se acaba de cambiar la contraseña")


# GSM-7's letters: a text with any other character goes as UCS-2, 70 characters a segment instead of 160.
GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.anyio
@pytest.mark.parametrize("code", ["en", "fr"])
async def test_english_and_french_texts_keep_to_the_cheaper_sms_alphabet(services, code):
    from components.browsers import Browser
    from components.flows import devices, notifications
    from components.providers.local import code_text

    texts = [
        notifications.verified(services),
        notifications.password_changed(services),
        notifications.number_changed(services, JENNY_E164),
        notifications.number_change_waiting(services, JENNY_E164, "2027-01-01", "example.com/number/cancel/x"),
        notifications.passkey_added(services, "Chrome on Android"),
        devices.new_signin(services, Browser("Chrome on Windows", "")),
        devices.new_signin(services, Browser("", "")),
    ]
    codes = [code_text("Account Verification", "example.com", "123456", code, purpose) for purpose in PURPOSES]
    bodies = [say(text, code) for text in texts] + codes
    assert [set(body) - GSM_7 for body in bodies] == [set()] * len(bodies)


def test_a_fragment_brings_the_switcher_that_fits_who_is_now_signed_in(htmx_visitor, outbox):
    """Signed in without a reload, the page's switcher becomes the account's forms."""
    assert 'id="languages" class="languages-nav"' in htmx_visitor.client.get("/").text  # the whole page
    switcher = re.search(r'<nav id="languages"[^>]*>.*?</nav>', htmx_visitor.sign_up().text, flags=re.S).group(0)
    assert 'hx-swap-oob="true"' in switcher and switcher.count("<button") == 4
    assert 'id="languages"' not in htmx_visitor.enter_code(outbox.last_code()).text  # no change, no switcher
    after = re.search(r'<nav id="languages"[^>]*>.*?</nav>', htmx_visitor.sign_out().text, flags=re.S).group(0)
    assert 'href="/language/es"' in after and 'action="/language"' not in after
