"""The load balancer's probes and Prometheus' scrape: answered without a session,
a cookie or an access log line; ready only while the database answers with the
newest schema; metrics only for the token or the allowed addresses, summed over
every process."""

import logging
import time
from dataclasses import replace

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from support import JENNY_E164, Visitor, browser

from app import create_app
from components.storage.database import schema_version

TOKEN = "a-metrics-token-of-some-length"


@pytest.fixture
def scraper(settings, outbox, clock):
    """The app with a metrics token, and a client that scrapes with it."""
    with TestClient(create_app(replace(settings, metrics_token=TOKEN), sender=outbox, clock=clock)) as running:
        outbox.follow(running)
        yield running


def samples(running, name: str, **labels) -> float:
    """The value of one counter sample, summed over every process, as Prometheus reads it."""
    text = running.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items())
    )


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_the_probes_answer_without_a_cookie_or_a_log_line(server, path, caplog):
    with caplog.at_level(logging.INFO):
        answer = server.get(path)
    assert answer.status_code == 200 and "set-cookie" not in answer.headers
    assert answer.headers["Cache-Control"] == "no-store"
    assert not [record for record in caplog.records if record.name == "requests"]


def test_not_ready_while_the_schema_is_behind(server):
    db = server.app.state.services.db
    server.portal.call(db.execute, schema_version.update().values(version=sa.literal(1)))
    assert server.get("/readyz").status_code == 503
    assert server.get("/healthz").status_code == 200  # the process itself is fine


def test_not_ready_within_a_second_while_the_database_does_not_answer_and_ready_again_after(behind_proxy):
    proxy, running = behind_proxy
    assert running.get("/readyz").status_code == 200
    proxy.stall()
    for _ in range(3):  # each time within the second it promises, not when a stalled clean-up gives up
        started = time.monotonic()
        answer = running.get("/readyz")
        assert answer.status_code == 503 and "not ready" in answer.text
        assert time.monotonic() - started < 1.5
    assert running.get("/healthz").status_code == 200
    proxy.resume()
    assert running.get("/readyz").status_code == 200


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-of-some-length", f"Basic {TOKEN}", TOKEN])
def test_metrics_are_not_public(scraper, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    assert scraper.get("/metrics", headers=headers).status_code == 404


def test_metrics_from_an_allowed_address_need_no_token(settings, outbox, clock):
    allowed = replace(settings, metrics_addresses=("10.1.0.0/16",))
    with TestClient(create_app(allowed, sender=outbox, clock=clock)) as running:
        assert browser(running, "10.1.2.3").get("/metrics").status_code == 200
        assert browser(running, "10.2.0.1").get("/metrics").status_code == 404


def test_a_signup_shows_in_the_metrics_from_its_first_request_to_its_code(scraper, new_visitor, outbox):
    visitor = browser(scraper)
    before = {
        "signups": samples(scraper, "av_signups_total", kind="new"),
        "sent": samples(scraper, "av_codes_sent_total", channel="sms", outcome="sent", country="US"),
        "wrong": samples(scraper, "av_code_checks_total", outcome="WrongCode"),
        "verified": samples(scraper, "av_codes_verified_total", purpose="signup", country="US"),
        "requests": samples(scraper, "av_http_request_seconds_count", route="/signup", method="POST", status="200"),
    }
    person = Visitor(visitor, htmx=True)
    person.sign_up()
    person.enter_code("000000")
    person.enter_code(outbox.last_code(JENNY_E164))
    assert samples(scraper, "av_signups_total", kind="new") == before["signups"] + 1
    assert samples(scraper, "av_codes_sent_total", channel="sms", outcome="sent", country="US") == before["sent"] + 1
    assert samples(scraper, "av_code_checks_total", outcome="WrongCode") == before["wrong"] + 1
    assert samples(scraper, "av_codes_verified_total", purpose="signup", country="US") == before["verified"] + 1
    assert (
        samples(scraper, "av_http_request_seconds_count", route="/signup", method="POST", status="200")
        == before["requests"] + 1
    )


def test_a_refusal_is_counted_by_the_limit_that_refused(scraper, outbox):
    person = Visitor(browser(scraper), htmx=True)
    before = samples(scraper, "av_refusals_total", limit="send:cooldown")
    person.sign_up()
    assert person.resend().status_code == 429
    assert samples(scraper, "av_refusals_total", limit="send:cooldown") == before + 1


def _routes_labelled(running) -> set[str]:
    text = running.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    return {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "av_http_request_seconds_count"
    }


def test_request_metrics_are_labelled_by_route_template_whatever_the_path(scraper):
    """A path anyone can vary never makes a new series: 20,000 once took a worker to 310 MiB."""
    visitor = browser(scraper)
    for n in range(30):
        visitor.get(f"/language/x{n}", follow_redirects=False)
        visitor.get(f"/nowhere/{n}")
        visitor.get(f"/static/missing-{n}.css")
        visitor.request(f"M{n}", "/")
    labelled = _routes_labelled(scraper)
    assert {"/language/{code}", "unmatched", "/static"} <= labelled
    assert not [route for route in labelled if "x1" in route or "nowhere" in route or "missing" in route]
    text = scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).text
    assert 'method="other"' in text and 'method="M1"' not in text


def test_a_slow_scrape_never_holds_up_a_request(scraper, monkeypatch):
    """Summing every process's samples reads files: it runs off the event loop."""
    import threading
    import time

    from components.web import probes

    original = probes.scrape
    monkeypatch.setattr(probes, "scrape", lambda: time.sleep(1.5) or original())
    scraping = threading.Thread(target=lambda: scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}))
    scraping.start()
    time.sleep(0.2)  # the scrape is under way
    started = time.monotonic()
    assert browser(scraper).get("/healthz").status_code == 200
    waited = time.monotonic() - started
    scraping.join()
    assert waited < 0.5


def test_behind_a_trusted_proxy_metrics_go_only_to_the_allowed_address_it_forwards(settings, outbox, clock):
    """A proxy that is trusted and allowed to scrape does not let every client behind it scrape."""
    both = replace(settings, trusted_proxies=("10.0.0.0/8",), metrics_addresses=("10.0.0.0/8",))
    with TestClient(create_app(both, sender=outbox, clock=clock)) as running:
        proxy = browser(running, "10.0.0.2")
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
        assert proxy.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"}).status_code == 200
        assert proxy.get("/metrics").status_code == 200  # the proxy's own network, asking for itself
