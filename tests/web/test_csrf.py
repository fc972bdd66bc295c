"""CSRF: every form carries the session's token, and a post without it changes nothing."""

import pytest
from support import JENNY, words


@pytest.mark.parametrize("action", ["/signup", "/code", "/code/resend", "/number/change", "/number", "/signin", "/signout"])
@pytest.mark.parametrize("token", [None, "wrong"])
def test_every_post_without_the_right_csrf_token_is_refused(htmx_visitor, outbox, action, token):
    htmx_visitor.sign_up()
    data = {"code": outbox.last_code(), **JENNY}
    if token:
        data["csrf_token"] = token
    answer = htmx_visitor.client.post(action, data=data, headers=htmx_visitor.headers)
    assert answer.status_code == 403
    assert "This form had expired, so nothing was sent." in words(answer)
    assert htmx_visitor.open().context["step"] == "code"
    assert len(outbox.messages()) == 1


def test_a_refused_signup_form_comes_back_filled_in_with_a_fresh_token(plain_visitor, outbox):
    answer = plain_visitor.client.post("/signup", data={**JENNY, "csrf_token": "stale"})
    assert answer.status_code == 403
    assert answer.template.name == "page.html"
    assert 'value="jenny@example.com"' in answer.text and JENNY["password"] not in answer.text
    assert outbox.messages() == []
