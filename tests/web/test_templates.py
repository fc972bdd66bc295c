"""What every page is made of: no inline code, forms that post without JavaScript, htmx set up for a strict CSP."""

import html
import json
import re
from pathlib import Path

from support import words

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _every_step(visitor, outbox, clock):
    yield visitor.open()
    yield visitor.sign_up(email="bad")
    yield visitor.open("/signin")
    visitor.open()
    yield visitor.sign_up()
    yield visitor.enter_code("000001" if outbox.last_code() != "000001" else "000002")
    yield visitor.different_number()
    clock.advance(30)  # a new number is sent a code as a resend would be
    visitor.set_number("415 555 2671")
    yield visitor.enter_code(outbox.last_code("+14155552671"))


def test_pages_have_no_inline_script_or_style_and_send_security_headers(plain_visitor, outbox, clock):
    for page in _every_step(plain_visitor, outbox, clock):
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["Cache-Control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "inline script"
        assert "<style" not in page.text and " style=" not in page.text and " hx-on" not in page.text
        assert '<div id="status" class="visually-hidden" role="status" aria-live="polite">' in page.text


def test_every_form_posts_without_javascript_and_carries_the_token(plain_visitor, outbox, clock):
    for page in _every_step(plain_visitor, outbox, clock):
        forms = re.findall(r"<form\b[^>]*>", page.text)
        assert forms
        step = re.search(r'<section id="step"[^>]*>.*</section>', page.text, re.DOTALL).group(0)
        assert 'hx-target="#step"' in step.split(">")[0] and 'hx-swap="outerHTML"' in step.split(">")[0]
        for form in forms:
            action = re.search(r'action="([^"]+)"', form).group(1)
            if action == "/language" or "data-passkeys" in form:
                # The switcher: the whole page changes language, so no swap. A passkey's answer:
                # static/passkeys.js posts it as a whole page (it may go on to an app's).
                assert 'method="post"' in form and "hx-" not in form
                continue
            assert 'method="post"' in form and f'hx-post="{action}"' in form
            assert form in step  # which swaps itself whole (htmx's attributes are inherited)
        assert page.text.count('name="csrf_token"') == len(forms)


def test_the_code_field_suits_phones_and_autofill(htmx_visitor):
    page = htmx_visitor.sign_up()
    field = re.search(r'<input id="code"[^>]*>', page.text).group(0)
    for attribute in ('inputmode="numeric"', 'autocomplete="one-time-code"', 'type="text"', "autofocus"):
        assert attribute in field
    phone_field = re.search(r'<input id="phone"[^>]*>', htmx_visitor.different_number().text).group(0)
    assert 'type="tel"' in phone_field and "autofocus" in phone_field
    assert "Change your number" in words(htmx_visitor.open())


def test_htmx_is_configured_by_one_meta_tag_for_a_strict_csp(plain_visitor):
    page = plain_visitor.open()
    config = json.loads(html.unescape(re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page.text).group(1)))
    swapped = {rule["code"] for rule in config["responseHandling"] if rule["swap"]}
    assert {"[23]..", "403", "422", "429", "503"} <= swapped
    assert config["allowEval"] is False and config["allowScriptTags"] is False
    assert config["includeIndicatorStyles"] is False and config["historyCacheSize"] == 0
    assert "style" not in config["attributesToSettle"]  # settling style= would break the CSP


def test_no_template_holds_whitespace_a_browser_would_keep():
    """Pages go out without their indentation (components/web/templates.compact): safe while
    no template has an element that keeps whitespace as typed."""
    for template in TEMPLATES.rglob("*.html"):
        assert not re.search(r"<(pre|textarea)\b", template.read_text()), template.name
    assert "white-space: pre" not in (TEMPLATES.parent / "static" / "app.css").read_text()


def test_every_page_has_a_footer_with_the_privacy_notice(plain_visitor):
    visitor = plain_visitor
    for page in (visitor.open(), visitor.open("/signin"), visitor.open("/nowhere"), visitor.open("/privacy")):
        footer = re.search(r'<footer class="footer">.*?</footer>', page.text, re.DOTALL).group(0)
        assert '<a href="/privacy">Privacy</a>' in footer and "Help and contact" not in footer  # none set


def test_the_footer_links_the_operators_privacy_notice_and_contact(open_app):
    operated = open_app(privacy_url="https://example.org/privacy", support_contact="help@example.org", htmx=False)
    page = operated.open("/signin")
    footer = re.search(r'<footer class="footer">.*?</footer>', page.text, re.DOTALL).group(0)
    assert '<a href="https://example.org/privacy">Privacy</a>' in footer
    assert '<a href="mailto:help@example.org">Help and contact</a>' in footer


def test_the_privacy_page_says_what_is_kept_with_this_sites_settings(open_app):
    page = open_app(remember_browser_days=14, support_contact="https://example.org/help", htmx=False).open("/privacy")
    said = words(page)
    assert page.status_code == 200 and "What we keep, and for how long" in said
    assert "skips the code for 14 days" in said and "A code works for 10 minutes" in said
    assert "deleted after 24 hours" in said and "Questions about your data:" in said
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_every_page_says_what_the_site_is_for_in_its_own_language(plain_visitor):
    for language, said in (("en", "create an account with your mobile number"), ("fr", "créez un compte")):
        page = plain_visitor.speaks(language).open("/signin")
        description = re.search(r'<meta name="description" content="([^"]+)">', page.text).group(1)
        assert said in html.unescape(description)


def test_without_javascript_a_refused_form_is_shown_at_an_address_a_reload_does_not_post_again(plain_visitor):
    answer = plain_visitor.post("/signup", {"name": "", "email": "jenny@example.com"}, follow=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"  # Post/Redirect/Get
    page = plain_visitor.open("/")
    assert page.status_code == 422 and "Enter your full name" in page.context["errors"]["name"]
    assert 'value="jenny@example.com"' in page.text  # what was typed comes along
    reloaded = plain_visitor.open("/")
    assert reloaded.status_code == 200 and reloaded.context["errors"] == {}
    refused = plain_visitor.post("/signin", {"email": "jenny@example.com", "password": "wrong"}, follow=False)
    assert refused.headers["location"] == "/signin"  # a step with a page of its own: there


def test_with_htmx_a_refused_form_is_answered_in_place(htmx_visitor):
    answer = htmx_visitor.post("/signup", {"name": ""}, follow=False)
    assert answer.status_code == 422 and "Enter your full name" in words(answer)
