"""The route table: every journey, its steps, where each action leads, and every
other address the app answers. Nothing else writes a path; templates and
redirects name routes (`path("sign_in")`).

Home (GET /) shows the first step below whose `shown` test passes for the
visit (its stage: anonymous, signup, signin-code, reset-code, new-password,
signed-in; components/web/visits.py), so a reload always shows the step a swap
just did. A step with a page is also shown at that address. An action's
Failure shows the step it was posted from again; its Success goes on to one of
`leads_to`. The types, and how they are read: components/web/step_table.py.

Adding a step: one entry here, its template `templates/steps/<name>.html`, and
its handlers in the journey's module.
"""

from starlette.routing import Mount, Route

from components.services import Links
from components.text import N_, _
from components.web import assets, cors, pages, probes
from components.web.step_table import Action, Page, Step, StepTable
from routes import (
    account,
    authorize,
    close,
    code,
    devices,
    discovery,
    end_session,
    language,
    new_number,
    passkeys,
    password,
    reset,
    signin,
    signup,
    token,
    userinfo,
    webhooks,
)

# Signing up: the form, a code to the number (or a different number), the account.
SIGNUP = Step(
    "signup",
    _("Create your account"),
    shown=lambda visit: visit.stage == "anonymous",
    needs=("countries",),
    passwords=("password",),
)
DIFFERENT_NUMBER = Step(
    "different_number",
    _("Change your number"),
    needs=("countries", "current_number"),
    held_in_session=True,
    shown=lambda visit: visit.stage == "signup" and visit.held_step == "different_number",
)
# The code step serves every journey: what for is the visit's `code_purpose` (components/purposes.py).
CODE = Step("code", _("Check your phone"), shown=lambda visit: visit.code_purpose is not None, needs=("code",))
ACCOUNT = Step(
    "account",
    _("Your account"),
    heading=N_("Hi there %(name)s!"),
    shown=lambda visit: visit.stage == "signed-in",
    needs=("masked_phone", "number_change", "apps", "passkeys", "recent_activity"),
)
# Coming back: the password, then the code step (unless this browser is remembered).
SIGNIN = Step(
    "signin", _("Sign in"), page=Page("/signin", signed_in=False), passwords=("password",), needs=("passkeys",)
)
# A forgotten password (the reset): the email, the code step, a new password.
RESET = Step("reset", _("Reset your password"), page=Page("/password/forgot", signed_in=False))
NEW_PASSWORD = Step(
    "new_password",
    _("Choose a new password"),
    shown=lambda visit: visit.stage == "new-password",
    passwords=("password",),
)
# The account's settings, each at its own address, back to the account when done.
PASSWORD = Step(
    "password",
    _("Change your password"),
    page=Page("/account/password", signed_in=True),
    passwords=("current_password", "new_password"),
)
NEW_NUMBER = Step(
    "new_number",
    _("Change your mobile number"),
    page=Page("/account/mobile", signed_in=True),
    needs=("countries", "masked_phone", "reauth", "number_change"),
    passwords=("password",),
)
# Passkeys on top of the phone (routes/passkeys.py): add, name and remove them.
PASSKEYS = Step(
    "passkeys",
    _("Your passkeys"),
    page=Page("/account/passkeys", signed_in=True),
    needs=("passkeys", "reauth"),
    passwords=("password",),
)
# Where the account is signed in, and what happened to it (routes/devices.py).
DEVICES = Step("devices", _("Your devices"), page=Page("/account/devices", signed_in=True), needs=("devices",))
ACTIVITY = Step(
    "activity", _("Your account's activity"), page=Page("/account/activity", signed_in=True), needs=("activity",)
)
CLOSE = Step(
    "close",
    _("Close your account"),
    page=Page("/account/close", signed_in=True),
    needs=("reauth",),
    passwords=("password",),
)

STEPS = (
    *(SIGNUP, DIFFERENT_NUMBER, CODE, NEW_PASSWORD, ACCOUNT, SIGNIN, RESET),
    *(PASSWORD, NEW_NUMBER, PASSKEYS, DEVICES, ACTIVITY, CLOSE),
)

ACTIONS = (
    # Signing up (routes/signup.py).
    Action("sign_up", "/signup", signup.sign_up, on=SIGNUP, leads_to=(CODE,), hashes=True),
    Action("different_number", "/number/change", signup.different_number, on=CODE, leads_to=(DIFFERENT_NUMBER,)),
    Action("set_number", "/number", signup.set_number, on=DIFFERENT_NUMBER, leads_to=(CODE,)),
    # The code, for every journey (routes/code.py): to the account; back to the form (a signup
    # closed by wrong codes); on to a new password; or to the next code (the new number's,
    # once the current number's was right).
    Action("check_code", "/code", code.check_code, on=CODE, leads_to=(ACCOUNT, SIGNUP, NEW_PASSWORD, CODE)),
    Action("resend_code", "/code/resend", code.resend_code, on=CODE, leads_to=(CODE,)),
    # Coming back, and leaving (routes/signin.py, routes/account.py).
    Action("sign_in", "/signin", signin.sign_in, on=SIGNIN, leads_to=(CODE, ACCOUNT), hashes=True),
    Action("sign_in_with_passkey", "/signin/passkey", passkeys.sign_in_with_passkey, on=SIGNIN, leads_to=(ACCOUNT,)),
    Action("sign_out", "/signout", account.sign_out, on=ACCOUNT, leads_to=(SIGNIN,), lands_on=SIGNIN),
    Action(
        "sign_out_everywhere",
        "/signout/everywhere",
        account.sign_out_everywhere,
        on=ACCOUNT,
        leads_to=(SIGNIN,),
        lands_on=SIGNIN,
    ),
    Action("remove_app", "/account/apps/remove", account.remove_app, on=ACCOUNT, leads_to=(ACCOUNT,)),
    # Passkeys (routes/passkeys.py): each back to the passkeys page.
    *(
        Action(name, path, handler, on=PASSKEYS, leads_to=(PASSKEYS,), lands_on=PASSKEYS, hashes=hashes)
        for name, path, handler, hashes in (
            ("confirm_for_passkeys", "/account/passkeys/confirm", passkeys.confirm_for_passkeys, True),
            ("add_passkey", "/account/passkeys/add", passkeys.add_passkey, False),
            ("rename_passkey", "/account/passkeys/rename", passkeys.rename_passkey, False),
            ("remove_passkey", "/account/passkeys/remove", passkeys.remove_passkey, False),
        )
    ),
    # The devices page (routes/devices.py): each back to it.
    *(
        Action(name, path, handler, on=DEVICES, leads_to=(DEVICES,), lands_on=DEVICES)
        for name, path, handler in (
            ("sign_out_browser", "/account/devices/sign-out", devices.sign_out_browser),
            ("forget_browser", "/account/devices/forget", devices.forget_browser),
            ("sign_out_others", "/account/devices/sign-out-others", devices.sign_out_others),
        )
    ),
    # A passkey instead of the password, on each page that asks it again (routes/passkeys.py).
    *(
        Action(
            f"confirm_{step.name}_with_passkey",
            f"{step.page.path}/confirm-passkey",
            passkeys.confirm_with_passkey,
            on=step,
            leads_to=(step,),
            lands_on=step,
        )
        for step in (NEW_NUMBER, PASSKEYS, CLOSE)
        if step.page
    ),
    # The reset (routes/reset.py).
    Action("request_reset", "/password/forgot", reset.request_reset, on=RESET, leads_to=(CODE,)),
    Action(
        "set_new_password", "/password/new", reset.set_new_password, on=NEW_PASSWORD, leads_to=(ACCOUNT,), hashes=True
    ),
    # The account's settings (routes/password.py, routes/new_number.py, routes/close.py).
    Action(
        "change_password", "/account/password", password.change_password, on=PASSWORD, leads_to=(ACCOUNT,), hashes=True
    ),
    Action(
        "start_number_change",
        "/account/mobile",
        new_number.start_number_change,
        on=NEW_NUMBER,
        leads_to=(CODE,),
        hashes=True,
    ),
    Action("keep_number", "/account/mobile/keep", new_number.keep_number, on=CODE, leads_to=(ACCOUNT,)),
    Action(
        "close_account",
        "/account/close",
        close.close_account,
        on=CLOSE,
        leads_to=(SIGNIN,),
        hashes=True,
        lands_on=SIGNIN,
    ),
)

# Every other address: home, what a step asks by itself, the switcher, files, callers that are no browser.
OTHERS = (
    Route("/", pages.home, name="home", methods=["GET"]),
    Route("/privacy", pages.privacy, name="privacy", methods=["GET"]),
    Route("/code/status", code.code_status, name="code_status", methods=["GET"]),  # the code step's delivery poll
    Route("/passkeys/options", passkeys.options, name="passkey_options", methods=["POST"]),  # a ceremony's start
    Route("/language/{code}", language.choose_language, name="choose_language", methods=["GET"]),
    Route("/language", language.set_account_language, name="set_account_language", methods=["POST"]),
    # A waiting number change's cancel page, from the link texted to the current number (routes/new_number.py).
    Route("/number/cancel/{token}", new_number.show_cancel, name="show_cancel", methods=["GET"]),
    Route("/number/cancel", new_number.cancel_change, name="cancel_number_change", methods=["POST"]),
    Route("/sw.js", assets.service_worker, name="service_worker", methods=["GET"]),
    Mount("/static", app=assets.VersionedStatic(directory=assets.STATIC_DIR), name="static"),
    Route("/webhooks/twilio/status", webhooks.twilio_status, name="twilio_status", methods=["POST"]),
    # Other apps signing their users in here: OpenID Connect (routes/authorize.py, token.py, userinfo.py,
    # discovery.py). The visitor's side: the request, the way back after signing in, consent, cancel.
    Route("/authorize", authorize.authorize, name="authorize", methods=["GET", "POST"]),
    Route("/authorize/resume", authorize.resume, name="authorize_resume", methods=["GET"]),
    Route("/authorize/consent", authorize.show_consent, name="consent", methods=["GET"]),
    Route("/authorize/consent", authorize.answer_consent, name="answer_consent", methods=["POST"]),
    Route("/authorize/cancel", authorize.cancel, name="authorize_cancel", methods=["GET"]),
    Route("/logout", end_session.end_session, name="end_session", methods=["GET", "POST"]),
    Route("/logout/confirm", end_session.confirm_end_session, name="confirm_end_session", methods=["POST"]),
    # The apps' side: their servers (or, for a public client, their pages: cross-origin reads allowed).
    Route("/.well-known/openid-configuration", discovery.configuration, name="openid_configuration", methods=["GET"]),
    Route("/jwks.json", discovery.jwks, name="jwks", methods=["GET"]),
    Route("/token", token.token, name="token", methods=["POST"]),
    Route("/revoke", token.revoke, name="revoke", methods=["POST"]),
    Route("/userinfo", userinfo.userinfo, name="userinfo", methods=["GET", "POST"]),
    *(
        Route(path, cors.preflight, name=f"preflight_{name}", methods=["OPTIONS"])
        for name, path in (
            ("configuration", "/.well-known/openid-configuration"),
            ("jwks", "/jwks.json"),
            ("token", "/token"),
            ("revoke", "/revoke"),
            ("userinfo", "/userinfo"),
        )
    ),
    Route("/healthz", probes.healthz, name="healthz", methods=["GET"]),
    Route("/readyz", probes.readyz, name="readyz", methods=["GET"]),
    Route("/metrics", probes.metrics, name="metrics", methods=["GET"]),
)

TABLE = StepTable(STEPS, ACTIONS, OTHERS, page=pages.page)

# The app's own addresses that leave it: named in texts to a phone, given to a provider.
LINKS = Links(
    reset=TABLE.path("reset"),
    twilio_status=TABLE.path("twilio_status"),
    cancel_number_change=lambda token: TABLE.path("show_cancel", token=token),
)
