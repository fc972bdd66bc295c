"""Static files: the pinned htmx, versioned URLs cached a year, the installable app, the first-load budget."""

import gzip
import hashlib
import re
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
HTMX_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"  # htmx.org 2.0.11 dist/htmx.min.js


def test_vendored_htmx_is_the_pinned_release():
    assert hashlib.sha256((STATIC / "htmx-2.0.11.min.js").read_bytes()).hexdigest() == HTMX_SHA256


def test_static_files_are_served(plain_visitor):
    for name in ("app.css", "app.js", "icon.svg", "htmx-2.0.11.min.js"):
        assert plain_visitor.client.get(f"/static/{name}").status_code == 200


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


def _every_htmx_answer(visitor, outbox, settle, clock):
    yield visitor.open()
    yield visitor.sign_up(email="not an email")
    yield visitor.sign_up()
    yield visitor.enter_code("0000000")
    clock.advance(30)
    yield visitor.resend()
    yield visitor.different_number()
    clock.advance(30)  # a new number is sent a code as a resend would be
    yield visitor.set_number("555")
    yield visitor.set_number("415 555 2671")
    yield visitor.enter_code(outbox.last_code("+14155552671"))
    for path in ("/account/password", "/account/mobile", "/account/close"):
        yield visitor.open(path)
    yield visitor.post("/account/mobile", {"country": "GB", "phone": "+44 7400 123456"})
    yield visitor.post("/account/mobile/keep")
    yield visitor.sign_out()
    yield visitor.open("/signin")
    yield visitor.sign_in()
    yield visitor.sign_out()
    yield visitor.request_reset()


def test_every_htmx_answer_is_under_3_kb(htmx_visitor, outbox, settle, clock):
    """GET answers go gzipped; POST answers go as they are (BREACH): both stay small."""
    for page in _every_htmx_answer(htmx_visitor, outbox, settle, clock):
        where = f"{page.request.method} {page.request.url.path}"
        assert len(gzip.compress(page.content)) <= 3000, where
        if page.request.method == "POST":
            assert len(page.content) <= 3000, where
