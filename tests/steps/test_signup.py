"""Signing up: the form, its checks, and the move to the code step; a different
number while the code is awaited."""

from support import JENNY, JENNY_E164, words


def test_first_visit_shows_the_signup_form(visitor):
    page = visitor.open()
    assert page.status_code == 200
    assert page.template.name == ("fragment.html" if visitor.htmx else "page.html")
    assert page.context["step"] == "signup"
    assert 'action="/signup"' in words(page)
    assert '<option value="US" selected>United States (+1)</option>' in words(page)
    # A fragment's list holds the chosen country; the page it lands in has the rest (static/app.js).
    assert ('<option value="GB">United Kingdom (+44)</option>' in words(page)) != visitor.htmx


def test_signup_sends_a_code_and_shows_the_code_step(visitor, outbox):
    page = visitor.sign_up()
    assert page.status_code == 200
    assert page.context["step"] == "code"
    assert 'We sent a code to <strong class="nowrap" dir="ltr">+1 201-867-5309</strong>' in words(page)
    assert 'inputmode="numeric"' in words(page) and 'autocomplete="one-time-code"' in words(page)
    [sms] = outbox.messages(JENNY_E164)
    assert sms["body"].startswith("Your Account Verification verification code is ")
    assert sms["body"].splitlines()[-1] == f"@localhost #{outbox.last_code()}"


def test_htmx_gets_a_fragment_and_plain_posts_get_303_then_the_page(new_visitor):
    htmx = new_visitor(htmx=True)
    fragment = htmx.sign_up()
    assert fragment.template.name == "fragment.html"
    assert "<html" not in fragment.text and 'id="step"' in fragment.text
    assert 'hx-swap-oob="innerHTML">Check your messages for the code.</div>' in fragment.text
    assert fragment.headers["HX-Replace-Url"] == "/"
    assert fragment.headers["Vary"].startswith("HX-Request")

    plain = new_visitor(htmx=False)
    answer = plain.post("/signup", {**JENNY, "email": "other@example.com", "phone": "+1 415 555 2671"}, follow=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    page = plain.open()
    assert page.template.name == "page.html" and page.text.startswith("<!doctype html>")
    assert page.context["step"] == "code"
    assert "Check your messages for the code." in words(page)


RETYPE = "Type your password again. For your security, it is not kept after an error."


def test_validation_errors_keep_the_values_but_never_the_password(visitor, outbox):
    page = visitor.sign_up(name=" ", email="not-an-email", phone="123")
    assert page.status_code == 422
    assert page.template.name == ("fragment.html" if visitor.htmx else "page.html")
    errors = page.context["errors"]
    retype = RETYPE
    assert errors == {
        "name": "Enter your full name",
        "email": "Enter an email address like name@example.com",
        "phone": "This is not a valid number for the country chosen. Enter it like (201) 555-0123",
        **({} if visitor.htmx else {"password": retype}),  # with htmx, static/app.js puts it back
    }
    assert 'value="not-an-email"' in words(page) and 'value="123"' in words(page)
    assert JENNY["password"] not in words(page)
    assert ('id="password"' in page.text and "data-keep" in page.text) == visitor.htmx
    assert 'id="name" name="name" type="text" value="" aria-describedby="name-error" aria-invalid="true"' + (
        " autofocus" if visitor.htmx else " autocomplete"
    ) in words(page)
    assert outbox.messages() == []


def test_short_password_is_refused(visitor):
    page = visitor.sign_up(password="short")
    assert page.status_code == 422
    assert page.context["errors"] == {"password": "Choose a password of at least 8 characters"}
    on_the_field = "autofocus" in words(page).split('id="password"')[1].split(">")[0]
    on_the_summary = (
        '<div class="notice notice--error error-summary" role="alert" tabindex="-1" autofocus>' in page.text
    )
    # With htmx the field with the error takes focus; a whole page (no JavaScript) focuses its summary.
    assert (on_the_field, on_the_summary) == (visitor.htmx, not visitor.htmx)
    assert page.text.count("autofocus") == 1 and "<title>Error: Create your account" in page.text


def test_landline_is_refused_before_any_code_is_sent(visitor, outbox):
    page = visitor.sign_up(country="GB", phone="020 7946 0958")
    assert page.status_code == 422
    assert page.context["errors"]["phone"] == "Enter a mobile number that can receive text messages"
    assert outbox.messages() == []


def test_international_number_wins_over_the_country_select(visitor, outbox):
    visitor.sign_up(country="US", phone="+44 7400 123456")
    assert outbox.messages("+447400123456")
    assert "+44 7400 123456" in words(visitor.open())


def test_email_is_trimmed_and_its_domain_lower_cased(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up(email="  Jenny.T@Example.COM ")
    other = new_visitor()
    page = other.sign_up(email="Jenny.T@example.com", password="a different password")
    assert page.status_code == 422
    assert "waiting for its code" in page.context["errors"]["password"]


def test_a_verified_email_is_already_registered(verified, new_visitor, outbox):
    other = new_visitor()
    page = other.sign_up(phone="+1 415 555 2671")
    assert page.status_code == 422
    assert page.context["errors"] == {"email": "This email is already registered. Sign in instead."}
    assert outbox.messages("+14155552671") == []
    assert 'value="Jenny Tutone"' in words(page)


def test_signing_up_again_with_the_right_password_resumes_with_the_new_number(htmx_visitor, new_visitor, outbox, clock):
    htmx_visitor.sign_up()
    clock.advance(30)  # a new number is sent a code as a resend would be
    elsewhere = new_visitor()
    page = elsewhere.sign_up(phone="+1 415 555 2671")
    assert page.context["step"] == "code"
    assert "+1 415-555-2671" in words(page)
    page = elsewhere.enter_code(outbox.last_code("+14155552671"))
    assert page.context["step"] == "account"
    assert "Hi there Jenny Tutone!" in words(page)


def test_an_unfinished_signup_releases_its_email_after_a_day(htmx_visitor, new_visitor, outbox, clock):
    htmx_visitor.sign_up()
    clock.advance(24 * 3600 + 1)
    newcomer = new_visitor()
    page = newcomer.sign_up(password="a completely different password", phone="+1 415 555 2671")
    assert page.context["step"] == "code"
    assert newcomer.enter_code(outbox.last_code("+14155552671")).context["step"] == "account"
    assert htmx_visitor.open().context["step"] == "signup"


def test_an_email_in_another_case_is_the_same_account_and_is_shown_as_typed(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up(email="Jenny.Tutone@Example.com")
    htmx_visitor.enter_code(outbox.last_code())
    other = new_visitor()
    page = other.sign_up(email="JENNY.TUTONE@example.com", phone="+1 415 555 2671")
    assert page.status_code == 422
    assert page.context["errors"] == {"email": "This email is already registered. Sign in instead."}
    returning = new_visitor()
    assert returning.sign_in(email="jenny.tutone@EXAMPLE.com").context["step"] == "code"
    assert returning.enter_code(outbox.last_code()).context["user"].email == "Jenny.Tutone@example.com"


def test_a_signup_waiting_for_its_code_is_resumed_in_any_case(htmx_visitor, new_visitor, outbox):
    htmx_visitor.sign_up(email="xss@example.com")
    page = new_visitor().sign_up(email="XSS@example.com", phone="+1 415 555 2671")
    assert page.context["step"] == "code" and page.context["user"].email == "xss@example.com"


# A different number, while the code is awaited.


def test_a_different_number_keeps_name_and_email_and_kills_the_old_code(visitor, outbox, clock):
    visitor.sign_up()
    old = outbox.last_code()
    page = visitor.different_number()
    assert page.context["step"] == "different_number"
    assert "Signing up as <strong>Jenny Tutone</strong> (<bdi>jenny@example.com</bdi>)" in words(page)
    assert 'name="password"' not in words(page)
    assert 'value="(201) 867-5309"' in words(page)
    assert visitor.open().context["step"] == "different_number"  # a reload stays here

    clock.advance(30)  # a new number is sent a code as a resend would be
    page = visitor.set_number("+1 415 555 2671")
    assert page.context["step"] == "code"
    assert "+1 415-555-2671" in words(page)
    assert visitor.enter_code(old).status_code == 422
    assert visitor.enter_code(outbox.last_code("+14155552671")).context["step"] == "account"


def test_a_bad_new_number_is_refused_with_the_form_kept(htmx_visitor, outbox):
    htmx_visitor.sign_up()
    htmx_visitor.different_number()
    page = htmx_visitor.set_number("555")
    assert page.status_code == 422
    assert page.context["step"] == "different_number"
    assert (
        page.context["errors"]["phone"]
        == "This is not a valid number for the country chosen. Enter it like (201) 555-0123"
    )
    assert 'value="555"' in words(page)
    assert "Signing up as <strong>Jenny Tutone</strong> (<bdi>jenny@example.com</bdi>)" in words(page)
    assert len(outbox.messages()) == 1


def test_the_same_number_again_keeps_the_cooldown(htmx_visitor, outbox, clock):
    htmx_visitor.sign_up()
    htmx_visitor.different_number()
    clock.advance(10)
    page = htmx_visitor.set_number("201 867 5309")
    assert page.context["step"] == "code"
    assert "You can ask for a new code in 20 seconds." in words(page)
    assert len(outbox.messages()) == 1
    clock.advance(20)
    htmx_visitor.resend()
    assert htmx_visitor.enter_code(outbox.last_code()).context["step"] == "account"


def test_verifying_a_signup_signs_in_only_the_browser_that_typed_the_code(new_visitor, outbox):
    """Another browser that resumed the signup with its password alone stays out."""
    owner, other = new_visitor(), new_visitor(address="198.51.100.23")
    owner.sign_up()
    assert other.sign_up().context["step"] == "code"  # the same email and password, elsewhere
    assert owner.enter_code(outbox.last_code()).context["step"] == "account"
    assert other.open().context["step"] == "signin"
    assert owner.open().context["step"] == "account"


def test_where_the_password_is_the_only_factor_it_needs_fifteen_characters(open_app):
    visitor = open_app("local", "console", signin_code="off")
    assert "At least 15 characters." in words(visitor.open())
    page = visitor.sign_up(password="eleven char")
    assert page.status_code == 422
    assert page.context["errors"]["password"] == "Choose a password of at least 15 characters"
    assert visitor.sign_up(password="fifteen chars ok").context["step"] == "code"


def test_a_number_typed_with_its_country_code_is_judged_as_typed(visitor):
    page = visitor.sign_up(country="US", phone="+44 7400 12")
    assert page.context["errors"] == {
        "phone": "This is not a valid mobile number. Check the digits after the country code",
        **({} if visitor.htmx else {"password": RETYPE}),
    }


def test_a_bad_number_is_given_an_example_in_its_countrys_own_format(visitor):
    page = visitor.sign_up(country="GB", phone="07400")
    assert (
        page.context["errors"]["phone"]
        == "This is not a valid number for the country chosen. Enter it like 07400 123456"
    )
