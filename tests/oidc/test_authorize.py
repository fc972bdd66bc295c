"""The authorization endpoint and the visitor's side of an app's sign-in: every
refusal, each prompt, consent, and the journeys (sign in, sign up) that land back
at the app, with htmx and with plain posts."""

import pytest
from authenticator import add_passkey, for_app, sign_in_with
from support import JENNY, JENNY_E164, words

from oidc.relying_party import ISSUER, RelyingParty, authorize_address, back_at_app, go, left_for, on_from


def allow(visitor, response=None):
    """The consent step's "Allow" (the page already open)."""
    if response is not None:
        visitor._seen(response)
    return visitor.client.post(
        "/authorize/consent", data={"csrf_token": visitor.token, "decision": "allow"}, follow_redirects=False
    )


# The refusals that get our own page: an open redirector is worse than an error.


def test_an_unknown_app_gets_our_own_error_page_and_no_redirect(htmx_visitor):
    page = go(htmx_visitor, authorize_address("no-such-client"))
    assert page.status_code == 400 and "That app's link is not right" in words(page)
    assert "client_id is unknown" in words(page)
    assert page.headers["Content-Security-Policy"] and page.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/cb", "https://prints.example/cb/", "https://prints.example/cb?x=1", None],
    ids=["another-site", "a-slash-more", "a-query-more", "missing"],
)
def test_a_redirect_address_not_registered_exactly_gets_our_own_error_page(htmx_visitor, prints, redirect_uri):
    page = go(htmx_visitor, authorize_address(prints.client_id, redirect_uri=redirect_uri))
    assert page.status_code == 400 and "not one registered for this app" in words(page)


def test_a_native_apps_loopback_address_matches_on_any_port(htmx_visitor, register_app, verified):
    client, _ = register_app(redirect_uris=("http://127.0.0.1/cb",), public=True, first_party=True)
    answer = go(verified, authorize_address(client.client_id, redirect_uri="http://127.0.0.1:51234/cb"))
    assert left_for(answer).startswith("http://127.0.0.1:51234/cb?code=")


# Every other refusal goes back to the app with error, state and iss.


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),
        ({"code_challenge": "short"}, "invalid_request"),
        ({"prompt": "none login"}, "invalid_request"),
        ({"prompt": "select_account"}, "invalid_request"),
        ({"max_age": "-1"}, "invalid_request"),
        ({"request": "eyJ..."}, "request_not_supported"),
        ({"response_mode": "fragment"}, "invalid_request"),
    ],
    ids=lambda value: value if isinstance(value, str) else "-".join(f"{k}={v}" for k, v in value.items()),
)
def test_a_faulty_request_goes_back_to_the_app_with_its_error_state_and_issuer(htmx_visitor, prints, changes, error):
    answer = back_at_app(left_for(go(htmx_visitor, authorize_address(prints.client_id, **changes))))
    assert answer["error"] == error and answer["state"] == "s1" and answer["iss"] == ISSUER
    assert "error_description" in answer


def test_a_public_app_must_use_pkce(htmx_visitor, register_app):
    client, _ = register_app(public=True)
    no_pkce = authorize_address(client.client_id, code_challenge=None, code_challenge_method=None)
    answer = back_at_app(left_for(go(htmx_visitor, no_pkce)))
    assert answer["error"] == "invalid_request" and "PKCE" in answer["error_description"]


def test_a_parameter_given_twice_is_refused(htmx_visitor, prints):
    address = authorize_address(prints.client_id) + "&scope=openid+phone"
    assert back_at_app(left_for(go(htmx_visitor, address)))["error"] == "invalid_request"


# prompt=none answers at once, and shows nothing.


def test_prompt_none_for_a_visitor_not_signed_in_answers_login_required(htmx_visitor, prints):
    answer = back_at_app(left_for(go(htmx_visitor, authorize_address(prints.client_id, prompt="none"))))
    assert answer["error"] == "login_required" and answer["state"] == "s1"


def test_prompt_none_for_an_app_not_yet_allowed_answers_consent_required(verified, prints):
    answer = back_at_app(left_for(go(verified, authorize_address(prints.client_id, prompt="none"))))
    assert answer["error"] == "consent_required"


def test_prompt_none_once_allowed_signs_in_without_a_page(verified, prints):
    left_for(allow(verified, go(verified, prints.start())))
    token = prints.finish(left_for(go(verified, prints.start(prompt="none"))))
    assert token["userinfo"]["phone_number_verified"] is True


# Consent: what the app gets, remembered until removed.


def test_the_consent_step_names_the_app_and_exactly_what_it_will_get(verified, register_app):
    client, secret = register_app()
    app = RelyingParty(
        verified.client,
        client.client_id,
        secret,
        redirect_uri="https://prints.example/cb",
        scope="openid phone offline_access",
    )
    page = go(verified, app.start())
    said = words(page)
    assert page.status_code == 200 and "Allow Photo Prints to sign you in?" in said
    assert "Your mobile number, verified by a code" in said and "Staying signed in" in said
    assert "Your email address" not in said and "Your name" not in said
    # Its form's answer leaves for the app: the page's policy lets it go there, and nowhere else.
    assert "form-action 'self' https://prints.example" in page.headers["Content-Security-Policy"]


def test_not_allowing_an_app_sends_access_denied(verified, prints):
    go(verified, prints.start())
    refused = verified.client.post(
        "/authorize/consent", data={"csrf_token": verified.token, "decision": "deny"}, follow_redirects=False
    )
    answer = back_at_app(left_for(refused))
    assert answer["error"] == "access_denied" and answer["iss"] == ISSUER


def test_consent_is_asked_once_per_app_and_again_with_prompt_consent(verified, prints):
    left_for(allow(verified, go(verified, prints.start())))
    assert "code" in back_at_app(left_for(go(verified, prints.start())))
    assert "Allow Photo Prints" in words(go(verified, prints.start(prompt="consent")))


def test_a_first_party_app_is_never_asked_for(verified, register_app):
    client, secret = register_app(first_party=True)
    app = RelyingParty(verified.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    assert app.finish(left_for(go(verified, app.start())))["userinfo"]["sub"]


def test_consent_posted_without_the_forms_token_does_nothing(verified, prints):
    go(verified, prints.start())
    forged = verified.client.post("/authorize/consent", data={"decision": "allow"}, follow_redirects=False)
    assert forged.status_code == 403 or "code=" not in forged.headers.get("location", "")


# The journeys: a visitor who is not signed in signs in, or signs up, and lands back at the app.


def test_a_returning_visitor_signs_in_with_the_code_and_lands_back_at_the_app(verified_visitor, outbox, register_app):
    client, secret = register_app(first_party=True)
    app = RelyingParty(verified_visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    verified_visitor.sign_out()
    page = go(verified_visitor, app.start())
    assert page.context["step"] == "signin" and "To go on to Photo Prints" in words(page)
    code_step = on_from(verified_visitor, verified_visitor.post("/signin", JENNY, follow=False))
    assert code_step.context["step"] == "code"
    token = app.finish(
        left_for(on_from(verified_visitor, verified_visitor.post("/code", {"code": outbox.last_code()}, follow=False)))
    )
    assert token["userinfo"]["amr"] == ["pwd", "sms"]
    assert token["userinfo"]["phone_number"] == JENNY_E164


def test_a_new_visitor_signs_up_from_an_app_verifies_and_lands_back_at_it(visitor, outbox, register_app):
    client, secret = register_app(first_party=True)
    app = RelyingParty(visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    form = go(visitor, app.start(prompt="create"))
    assert form.context["step"] == "signup"
    assert on_from(visitor, visitor.post("/signup", JENNY, follow=False)).context["step"] == "code"
    token = app.finish(left_for(on_from(visitor, visitor.post("/code", {"code": outbox.last_code()}, follow=False))))
    claims = token["userinfo"]
    assert claims["phone_number"] == JENNY_E164 and claims["phone_number_verified"] is True
    assert claims["email_verified"] is False


def test_the_request_survives_a_resend_and_a_different_number(htmx_visitor, outbox, register_app, clock):
    client, secret = register_app(first_party=True)
    app = RelyingParty(htmx_visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    go(htmx_visitor, app.start(prompt="create"))
    htmx_visitor.sign_up()
    clock.advance(30)
    htmx_visitor.resend()
    htmx_visitor.different_number()
    clock.advance(30)  # a new number is sent a code as a resend would be
    htmx_visitor.set_number("415 555 2671")
    token = app.finish(
        left_for(
            on_from(htmx_visitor, htmx_visitor.post("/code", {"code": outbox.last_code("+14155552671")}, follow=False))
        )
    )
    assert token["userinfo"]["phone_number"] == "+14155552671"


def test_login_hint_fills_in_the_email_and_ui_locales_picks_the_language(htmx_visitor, prints):
    page = go(htmx_visitor, prints.start(login_hint="jenny@example.com", ui_locales="de fr"))
    assert page.context["values"]["email"] == "jenny@example.com"
    assert page.headers["Content-Language"] == "fr"


def test_prompt_login_asks_a_signed_in_visitor_to_sign_in_again(verified, prints, outbox):
    left_for(allow(verified, go(verified, prints.start())))
    page = go(verified, prints.start(prompt="login"))
    assert page.context["step"] == "signin"
    on_from(verified, verified.post("/signin", JENNY, follow=False))
    answer = on_from(verified, verified.post("/code", {"code": outbox.last_code()}, follow=False))
    assert prints.finish(left_for(answer))["userinfo"]["amr"] == ["pwd", "sms"]


def test_max_age_past_asks_to_sign_in_again_and_within_it_does_not(verified, prints, clock):
    left_for(allow(verified, go(verified, prints.start())))
    clock.advance(120)
    assert "code" in back_at_app(left_for(go(verified, prints.start(max_age="600"))))
    assert go(verified, prints.start(max_age="60")).context["step"] == "signin"


def test_cancelling_on_the_sign_in_page_goes_back_to_the_app_refused(htmx_visitor, prints):
    go(htmx_visitor, prints.start())
    answer = back_at_app(left_for(go(htmx_visitor, "/authorize/cancel")))
    assert answer["error"] == "access_denied" and answer["state"] == prints.started["state"]


def test_signing_out_lets_go_of_the_apps_request(verified, prints, outbox):
    assert "Allow Photo Prints" in words(go(verified, prints.start()))  # held, while the visitor looks
    go(verified, "/")
    verified.sign_out()
    verified.sign_in()
    page = on_from(verified, verified.post("/code", {"code": outbox.last_code()}, follow=False))
    assert page.status_code == 200 and page.context["step"] == "account"


def test_a_request_past_its_time_says_so_on_our_own_page(htmx_visitor, prints, clock):
    go(htmx_visitor, prints.start())
    clock.advance(31 * 60)
    page = go(htmx_visitor, "/authorize/resume")
    assert page.status_code == 400 and "This sign-in request has expired" in words(page)


# The account page lists the apps that can sign its owner in; removing one ends its tokens.


def test_the_account_page_lists_allowed_apps_and_removing_one_revokes_it(verified_visitor, prints, server):
    location = left_for(allow(verified_visitor, go(verified_visitor, prints.start())))
    token = prints.finish(location)
    page = go(verified_visitor, "/")
    assert "Apps that can sign you in" in words(page) and "Photo Prints" in words(page)
    removed = verified_visitor.post("/account/apps/remove", {"client_id": prints.client_id})
    assert "Photo Prints can no longer sign you in." in words(removed)
    assert "Apps that can sign you in" not in words(go(verified_visitor, "/"))
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert server.get("/userinfo", headers=bearer).status_code == 401
    assert "Allow Photo Prints" in words(go(verified_visitor, prints.start()))  # asked again


def test_removing_an_app_the_account_never_allowed_changes_nothing(verified_visitor, prints):
    page = verified_visitor.post("/account/apps/remove", {"client_id": prints.client_id})
    assert page.status_code == 422 and "That app could not sign you in anyway." in words(page)


def test_a_remembered_browsers_skipped_code_is_not_claimed_in_amr(verified_visitor, outbox, register_app):
    client, secret = register_app(first_party=True)
    app = RelyingParty(verified_visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    verified_visitor.sign_out()
    verified_visitor.sign_in()
    verified_visitor.post("/code", {"code": outbox.last_code(), "remember": "yes"})  # remember this browser
    page = go(verified_visitor, app.start(prompt="login"))
    assert page.context["step"] == "signin"
    answer = on_from(verified_visitor, verified_visitor.post("/signin", JENNY, follow=False))  # no code asked
    assert app.finish(left_for(answer))["userinfo"]["amr"] == ["pwd"]


def test_a_passkey_sign_in_is_told_in_amr_and_acr_and_an_app_can_ask_for_one(verified_visitor, register_app, server):
    client, secret = register_app(first_party=True)
    app = RelyingParty(verified_visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    key = for_app(server)
    add_passkey(verified_visitor, key)
    token = app.finish(left_for(go(verified_visitor, app.start())))  # signed in with the password and code
    assert token["userinfo"]["amr"] == ["pwd", "sms"] and "acr" not in token["userinfo"]
    page = go(verified_visitor, app.start(acr_values="phr"))  # the app asks for a passkey's sign-in
    assert page.context["step"] == "signin"
    claims = app.finish(left_for(on_from(verified_visitor, sign_in_with(verified_visitor, key, follow=False))))
    assert claims["userinfo"]["amr"] == ["hwk", "user"] and claims["userinfo"]["acr"] == "phr"
    again = app.finish(left_for(go(verified_visitor, app.start(acr_values="phr"))))  # this sign-in does
    assert again["userinfo"]["acr"] == "phr"


def test_a_synced_passkey_is_told_as_software_held(verified_visitor, register_app, server):
    client, secret = register_app(first_party=True)
    app = RelyingParty(verified_visitor.client, client.client_id, secret, redirect_uri="https://prints.example/cb")
    key = for_app(server, synced=True)
    add_passkey(verified_visitor, key)
    verified_visitor.sign_out()
    assert go(verified_visitor, app.start()).context["step"] == "signin"
    claims = app.finish(left_for(on_from(verified_visitor, sign_in_with(verified_visitor, key, follow=False))))
    assert claims["userinfo"]["amr"] == ["swk", "user"]
