"""An app signs its user out here too (RP-Initiated Logout 1.0): at once with a hint of
the account's own ID token, after asking without one, and back only to an address the
app registered."""

from urllib.parse import urlencode

import pytest
from support import words

from oidc.relying_party import ISSUER, RelyingParty, back_at_app, go, left_for

BYE = "https://prints.example/bye"


@pytest.fixture
def signed_in_app(verified, server, register_app):
    """A first-party app the verified visitor has just signed in to: its ID token in hand."""
    client, secret = register_app(first_party=True, post_logout_redirect_uris=(BYE,))
    app = RelyingParty(server, client.client_id, secret, redirect_uri="https://prints.example/cb")
    app.token = app.finish(left_for(go(verified, app.start())))
    return app


def logout(**params) -> str:
    return "/logout?" + urlencode(params)


def test_a_hint_of_the_accounts_own_token_signs_out_at_once_and_goes_back(verified, signed_in_app):
    address = logout(id_token_hint=signed_in_app.token["id_token"], post_logout_redirect_uri=BYE, state="bye1")
    answer = back_at_app(left_for(go(verified, address)))
    assert answer == {"state": "bye1", "iss": ISSUER}
    assert go(verified, "/").context["step"] == "signup"  # signed out here


def test_an_app_posting_the_logout_is_sent_on_as_a_get(verified, signed_in_app):
    sent = verified.client.post(
        "/logout", data={"id_token_hint": signed_in_app.token["id_token"]}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/logout?id_token_hint=")


def test_without_a_hint_the_visitor_is_asked_and_may_stay(verified, signed_in_app):
    page = go(verified, logout(client_id=signed_in_app.client_id, post_logout_redirect_uri=BYE, state="s"))
    assert page.status_code == 200 and "<strong>Photo Prints</strong> asks to sign you out here too." in words(page)
    form = {"csrf_token": verified.token, "client_id": signed_in_app.client_id, "post_logout_redirect_uri": BYE}
    stay = verified.client.post("/logout/confirm", data={**form, "decision": "stay"}, follow_redirects=False)
    assert stay.headers["location"] == "/" and go(verified, "/").context["step"] == "account"
    gone = verified.client.post(
        "/logout/confirm", data={**form, "state": "s", "decision": "sign-out"}, follow_redirects=False
    )
    assert back_at_app(left_for(gone))["state"] == "s"
    assert go(verified, "/").context["step"] == "signup"


def test_a_hint_of_another_accounts_token_asks_first(verified, signed_in_app, new_visitor, outbox):
    other = new_visitor(address="198.51.100.7")
    other.sign_up(email="ann@example.com", phone="415 555 2671")
    other.enter_code(outbox.last_code("+14155552671"))
    other_token = signed_in_app.finish(left_for(go(other, signed_in_app.start())))["id_token"]
    page = go(verified, logout(id_token_hint=other_token))
    assert page.status_code == 200 and "Sign out?" in words(page)


@pytest.mark.parametrize(
    "params",
    [
        {"post_logout_redirect_uri": "https://evil.example/"},
        {"post_logout_redirect_uri": BYE},  # no app named: no address can be trusted
        {"id_token_hint": "not.a.token"},
    ],
    ids=["unregistered-address", "address-without-an-app", "a-hint-not-ours"],
)
def test_a_logout_that_cannot_be_trusted_gets_our_own_page_and_no_redirect(verified, signed_in_app, params):
    if "id_token_hint" not in params and params["post_logout_redirect_uri"].startswith("https://evil"):
        params = {**params, "client_id": signed_in_app.client_id}
    page = go(verified, logout(**params))
    assert page.status_code == 400 and "That app's link is not right" in words(page)
    assert go(verified, "/").context["step"] == "account"  # still signed in


def test_a_browser_already_signed_out_goes_straight_back(signed_in_app, new_visitor):
    address = logout(client_id=signed_in_app.client_id, post_logout_redirect_uri=BYE, state="x")
    assert back_at_app(left_for(go(new_visitor(), address)))["state"] == "x"


def test_without_an_address_to_go_back_to_the_visitor_lands_on_sign_in(verified, signed_in_app):
    page = go(verified, logout(id_token_hint=signed_in_app.token["id_token"]))
    assert page.context["step"] == "signin" and "You signed out." in words(page)
