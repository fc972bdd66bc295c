"""Arbitrary input in every field of every form: never a server error, and the
app goes on serving the flow afterwards."""

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import JENNY, words

from routes.steps import TABLE

FORMS = {
    "/signup": ["name", "email", "password", "country", "phone"],
    "/code": ["code"],
    "/code/resend": ["channel"],
    "/number/change": [],
    "/number": ["country", "phone"],
    "/signin": ["email", "password"],
    "/signout": [],
    "/signout/everywhere": [],
    "/password/forgot": ["email"],
    "/password/new": ["password"],
    "/account/password": ["current_password", "new_password"],
    "/account/mobile": ["country", "phone", "password"],
    "/account/mobile/keep": [],
    "/account/close": ["confirm", "password"],
    "/language": ["language"],
    "/number/cancel": ["token"],
    "/account/apps/remove": ["client_id"],
    "/passkeys/options": ["purpose"],
    "/signin/passkey": ["credential"],
    "/account/passkeys/confirm": ["password"],
    "/account/passkeys/add": ["credential"],
    "/account/passkeys/rename": ["credential_id", "name"],
    "/account/passkeys/remove": ["credential_id"],
    "/account/mobile/confirm-passkey": ["credential"],
    "/account/passkeys/confirm-passkey": ["credential"],
    "/account/close/confirm-passkey": ["credential"],
    "/account/devices/sign-out": ["session"],
    "/account/devices/forget": ["browser"],
    "/account/devices/sign-out-others": [],
    # Other apps' (OpenID Connect): the visitor's consent, and what apps' servers post.
    "/authorize": ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge"],
    "/authorize/consent": ["decision"],
    "/token": ["grant_type", "code", "redirect_uri", "client_id", "client_secret", "code_verifier", "refresh_token"],
    "/revoke": ["token", "client_id"],
    "/userinfo": ["access_token"],
    "/logout": ["id_token_hint", "client_id", "post_logout_redirect_uri", "state"],
    "/logout/confirm": ["decision", "client_id", "post_logout_redirect_uri", "state"],
}
text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["", " ", "+", "+44", "0" * 300, "\x00", "é" * 60, "<script>", "US", "ZZ", "call", "123456"]),
)
field_names = st.one_of(
    st.sampled_from(["name", "email", "password", "country", "phone", "code", "channel", "wait", "seen"]),
    st.text(max_size=20),
)
fields = st.lists(st.tuples(field_names, text), max_size=12)


@pytest.mark.parametrize("field", ["name", "email"])
def test_control_characters_never_reach_the_database(plain_visitor, field):
    # PostgreSQL refuses NUL in text; nobody means to type one anyway.
    typed = {"name": "Jenny\x00 Tutone\x07", "email": "jenny\x00@example.com\x1b"}[field]
    page = plain_visitor.sign_up(**{field: typed})
    assert page.status_code == 200
    assert plain_visitor.sign_out().status_code == 200
    signed_in = plain_visitor.sign_in(email="jenny\x00@example.com")
    assert "Enter the code we sent" in words(signed_in)


def test_every_form_is_fuzzed():
    posts = {route.path for route in TABLE.routes() if "POST" in getattr(route, "methods", ())}
    assert set(FORMS) == posts - {"/webhooks/twilio/status"}  # Twilio's, signed: tests/steps/test_webhooks.py


@pytest.mark.parametrize("action", list(FORMS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=fields, with_token=st.booleans(), start_pending=st.booleans(), address=st.ip_addresses(v=4))
def test_any_input_gets_an_answer_not_an_error(new_visitor, action, extra, with_token, start_pending, address):
    visitor = new_visitor(htmx=True, address=str(address))
    if start_pending:
        visitor.sign_up(email=f"fuzz{abs(hash(str(extra))) % 10**9}@example.com")
    data = [(name, JENNY.get(name, "")) for name in FORMS[action]] + extra
    if with_token:
        data.append(("csrf_token", visitor.token))
    form = {"Content-Type": "application/x-www-form-urlencoded", **visitor.headers}
    answer = visitor.client.post(action, content=urlencode(data), headers=form)
    assert answer.status_code < 500, answer.text[:500]
    assert visitor.client.get("/").status_code == 200


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "multipart/form-data",
            "text/plain",
            "",
        ],
    ),
)
def test_any_body_gets_an_answer_not_an_error(new_visitor, body, content_type):
    visitor = new_visitor(htmx=False)
    answer = visitor.client.post("/signup", content=body, headers={"Content-Type": content_type})
    assert answer.status_code < 500
    assert visitor.open().status_code == 200


# What the pages read from a query, and values that look like numbers to some parsers and not others.
TRICKY = st.sampled_from(["²", "٣", "9" * 5000, "-1", "1e9", " 3", "\n", "sending", "delivered", "failed"])
QUERIED = st.sampled_from(["wait", "seen"])
queries = st.lists(st.tuples(st.one_of(QUERIED, QUERIED, field_names), st.one_of(TRICKY, TRICKY, text)), max_size=6)
PAGES = ["/", "/signin", "/password/forgot", "/account/password", "/account/mobile", "/account/close", "/code/status"]
PAGES += ["/language/es", "/number/cancel/x", "/privacy", "/nowhere"]
PAGES += ["/authorize", "/authorize/resume", "/authorize/consent", "/authorize/cancel", "/userinfo"]
PAGES += ["/.well-known/openid-configuration", "/jwks.json", "/logout", "/account/passkeys"]
PAGES += ["/account/devices", "/account/activity"]


def test_every_page_is_fuzzed(app):
    gets = {route.path for route in app.routes if "GET" in getattr(route, "methods", ())}
    named = {page.replace("/es", "/{code}").replace("/x", "/{token}") for page in PAGES} - {"/nowhere"}
    assert gets - {"/healthz", "/readyz", "/metrics", "/sw.js"} <= named


@pytest.mark.parametrize("page", PAGES)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=queries, start_pending=st.booleans(), htmx=st.booleans(), address=st.ip_addresses(v=4))
def test_any_query_string_gets_an_answer_not_an_error(new_visitor, page, query, start_pending, htmx, address):
    visitor = new_visitor(htmx=htmx, address=str(address))
    if start_pending:
        visitor.sign_up(email=f"fuzz{abs(hash(str(query))) % 10**9}@example.com")
    answer = visitor.client.get(f"{page}?{urlencode(query)}", headers=visitor.headers, follow_redirects=False)
    assert answer.status_code < 500, answer.text[:500]
