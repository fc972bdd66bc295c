"""Installable and offline-friendly, without ever caching a page; WebOTP fills the code."""

from browsing import DESKTOP, fill_signup, heading, settled, signed_up

FAKE_WEBOTP = """
window.OTPCredential = function () {};
window.webotpAsked = 0;
navigator.credentials.get = (options) => new Promise((resolve, reject) => {
  window.webotpAsked += 1;
  options.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
  window.deliverOtp = (code) => resolve({code: code, type: "otp"});
});
"""


def test_the_service_worker_caches_static_files_only(open_page, live, person):
    page = open_page(DESKTOP)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker
    signed_up(page, live, person)
    cached = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert "/static/offline.html" in cached
    assert all(path.startswith("/static/") for path in cached), cached


def test_offline_shows_the_offline_page(open_page):
    page = open_page(DESKTOP)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.context.set_offline(True)
    page.goto("/signin")
    assert heading(page) == "You are offline"


def _code_step_offering_webotp(open_page, person):
    page = open_page(DESKTOP)
    page.add_init_script(FAKE_WEBOTP)
    page.reload()
    fill_signup(page, person)
    page.click("text=Send me a code")
    page.wait_for_selector("#code")
    # A function: Playwright evaluates a bare expression with eval, which the CSP refuses.
    page.wait_for_function("() => window.webotpAsked === 1")
    return page


def test_webotp_fills_and_submits_the_code(open_page, live, person):
    page = _code_step_offering_webotp(open_page, person)
    page.evaluate("(code) => window.deliverOtp(code)", live.code_for(person["e164"]))
    page.wait_for_selector("text=Hi there")


def test_webotp_stands_down_when_the_code_is_typed(open_page, live, person):
    page = _code_step_offering_webotp(open_page, person)
    page.fill("#code", live.code_for(person["e164"]))
    page.click("text=Verify")
    page.wait_for_selector("text=Hi there")
    page.evaluate("window.deliverOtp('000000')")  # too late: nothing happens
    settled(page)
    assert heading(page) == f"Hi there {person['name']}!"
