"""CSRF: every form carries the session's token, and a post without it changes nothing."""

import pytest
from support import JENNY, words

from routes.steps import TABLE

# Every form a browser posts: the table's actions, the account's language and an app's consent. Not
# Twilio's (signed), nor what apps' servers post with their own credentials and no cookie (token,
# revocation, userinfo), nor an app's authorization or logout request (each sent on as a GET).
NOT_FORMS = {"/webhooks/twilio/status", "/token", "/revoke", "/userinfo", "/authorize", "/logout"}
POSTS = sorted({route.path for route in TABLE.routes() if "POST" in getattr(route, "methods", ())} - NOT_FORMS)


@pytest.mark.parametrize("action", POSTS)
@pytest.mark.parametrize("token", [None, "wrong"])
def test_every_post_without_the_right_csrf_token_is_refused(htmx_visitor, outbox, action, token):
    htmx_visitor.sign_up()
    data = {
        "code": outbox.last_code(),
        "confirm": "yes",
        "current_password": JENNY["password"],
        "new_password": "a new passphrase",
        **JENNY,
    }
    if token:
        data["csrf_token"] = token
    answer = htmx_visitor.client.post(action, data=data, headers=htmx_visitor.headers)
    assert answer.status_code == 403
    assert "This form had expired, so nothing was sent." in words(answer)
    assert htmx_visitor.open().context["step"] == "code"
    assert len(outbox.messages()) == 1


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://testserver"}])
def test_a_refused_form_from_our_own_page_comes_back_filled_in_with_a_fresh_token(plain_visitor, outbox, headers):
    answer = plain_visitor.client.post("/signup", data={**JENNY, "csrf_token": "stale"}, headers=headers)
    assert answer.status_code == 403
    assert answer.template.name == "page.html"
    assert 'value="jenny@example.com"' in answer.text and JENNY["password"] not in answer.text
    assert outbox.messages() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Origin": "https://evil.example"},
        {},  # a browser that says nothing of where the form was
    ],
)
def test_a_cross_site_post_is_refused_without_planting_what_it_sent(plain_visitor, outbox, caplog, headers):
    planted = {**JENNY, "email": "attacker@evil.example", "phone": "+44 7400 123456", "csrf_token": "forged"}
    answer = plain_visitor.client.post("/signup", data=planted, headers=headers)
    assert answer.status_code == 403
    assert "This form had expired, so nothing was sent." in words(answer)
    assert "evil.example" not in answer.text and "7400 123456" not in answer.text and 'value="Jenny' not in answer.text
    assert "form refused: reason=csrf path=/signup address=203.0.113.10" in caplog.text
    assert outbox.messages() == []
