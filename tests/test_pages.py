"""What every page is made of: vendored htmx, no inline code, safe headers."""

import hashlib
import html
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from support import words

from app import create_app

STATIC = Path(__file__).resolve().parent.parent / "static"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"  # htmx.org 2.0.11 dist/htmx.min.js


def test_vendored_htmx_is_the_pinned_release():
    assert hashlib.sha256((STATIC / "htmx-2.0.11.min.js").read_bytes()).hexdigest() == HTMX_SHA256


def _every_step(visitor, outbox):
    yield visitor.open()
    yield visitor.sign_up(email="bad")
    yield visitor.open("/signin")
    visitor.open()
    yield visitor.sign_up()
    yield visitor.enter_code("000001" if outbox.last_code() != "000001" else "000002")
    yield visitor.change_number()
    visitor.set_number("415 555 2671")
    yield visitor.enter_code(outbox.last_code("+14155552671"))


def test_pages_have_no_inline_script_or_style_and_send_security_headers(plain_visitor, outbox):
    for page in _every_step(plain_visitor, outbox):
        assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "same-origin"
        assert page.headers["Cache-Control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), "inline script"
        assert "<style" not in page.text and " style=" not in page.text and " hx-on" not in page.text
        assert '<div id="status" class="visually-hidden" role="status" aria-live="polite">' in page.text


def test_every_form_posts_without_javascript_and_carries_the_token(plain_visitor, outbox):
    for page in _every_step(plain_visitor, outbox):
        forms = re.findall(r"<form\b[^>]*>", page.text)
        assert forms
        for form in forms:
            action = re.search(r'action="([^"]+)"', form).group(1)
            assert 'method="post"' in form and f'hx-post="{action}"' in form
            assert 'hx-target="#step"' in form and 'hx-swap="outerHTML"' in form
        assert page.text.count('name="csrf_token"') == len(forms)


def test_session_cookie_is_httponly_and_samesite(plain_visitor):
    plain_visitor.client.cookies.clear()
    cookie = plain_visitor.client.get("/").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


@pytest.mark.parametrize(("method", "path"), [("GET", "/code"), ("PUT", "/signup"), ("DELETE", "/"), ("GET", "/signout")])
def test_routes_answer_only_the_methods_they_need(plain_visitor, method, path):
    assert plain_visitor.client.request(method, path).status_code == 405


def test_a_huge_form_is_refused_without_an_error(plain_visitor, outbox):
    answer = plain_visitor.client.post("/signup", data={"csrf_token": plain_visitor.token, "name": "x" * 10_000})
    assert answer.status_code == 413
    assert outbox.messages() == [] and plain_visitor.open().context["step"] == "signup"


def test_static_files_are_served(plain_visitor):
    for name in ("app.css", "app.js", "icon.svg", "htmx-2.0.11.min.js"):
        assert plain_visitor.client.get(f"/static/{name}").status_code == 200


def test_the_code_field_suits_phones_and_autofill(htmx_visitor):
    page = htmx_visitor.sign_up()
    field = re.search(r'<input id="code"[^>]*>', page.text).group(0)
    for attribute in ('inputmode="numeric"', 'autocomplete="one-time-code"', 'type="text"', "autofocus"):
        assert attribute in field
    phone_field = re.search(r'<input id="phone"[^>]*>', htmx_visitor.change_number().text).group(0)
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


def _every_kind_of_answer(client, token: str):
    yield client.get("/")
    yield client.get("/signin")
    yield client.get("/static/app.css")
    yield client.get("/nowhere")
    yield client.delete("/")
    yield client.post("/signup", data={"csrf_token": "wrong"})
    yield client.post("/signup", data={"csrf_token": token, "name": "x" * 20_000})
    for action in ("/signup", "/code", "/code/resend", "/number/change", "/number", "/signin", "/signout"):
        yield client.post(action, data={"csrf_token": token})


@pytest.mark.parametrize("environment", ["development", "production"])
def test_every_answer_carries_the_security_headers(settings, outbox, clock, environment):
    app = create_app(replace(settings, app_env=environment), sender=outbox, clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
        statuses = set()
        for answer in _every_kind_of_answer(client, token):
            statuses.add(answer.status_code)
            assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
            assert answer.headers["X-Content-Type-Options"] == "nosniff"
            assert answer.headers["Referrer-Policy"] == "same-origin"
            assert ("Strict-Transport-Security" in answer.headers) == (environment == "production")
        assert {200, 403, 404, 405, 413, 422} <= statuses


def test_production_cookie_is_host_prefixed_and_secure(settings, outbox, clock):
    app = create_app(replace(settings, app_env="production"), sender=outbox, clock=clock)
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/").headers["set-cookie"].lower()
    assert cookie.startswith("__host-session=")
    assert "; secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "domain=" not in cookie


def test_the_first_page_load_stays_under_40_kb_compressed(plain_visitor):
    client = plain_visitor.client
    client.cookies.clear()
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    total = int(page.headers["Content-Length"])
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert len(assets) >= 6
    for url in assets:
        answer = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        total += int(answer.headers["Content-Length"])
    assert total < 40_000, f"first load is {total} bytes"


def test_static_files_are_versioned_and_cached_for_a_year(plain_visitor):
    page = plain_visitor.open()
    css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page.text).group(1)
    answer = plain_visitor.client.get(css)
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert plain_visitor.client.get("/static/app.css").headers["Cache-Control"] == "no-cache"


def test_posted_answers_are_never_compressed(plain_visitor):
    answer = plain_visitor.client.post(
        "/signup", data={"csrf_token": plain_visitor.token, "name": "x"}, headers={"Accept-Encoding": "gzip"},
    )
    assert answer.status_code == 422 and "Content-Encoding" not in answer.headers


def test_the_app_is_installable(plain_visitor):
    page = plain_visitor.open()
    manifest_url = re.search(r'<link rel="manifest" href="([^"]+)"', page.text).group(1)
    manifest = plain_visitor.client.get(manifest_url).json()
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone" and manifest["theme_color"]
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        png = plain_visitor.client.get(icon["src"]).content
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and f"{width}x{height}" == icon["sizes"]
    worker = plain_visitor.client.get("/sw.js")
    assert worker.headers["Content-Type"].startswith("text/javascript")
    assert worker.headers["Cache-Control"] == "no-cache"
