"""Every step a visitor can see, and where each action leads: the whole flow in one place.

A step is one template (`templates/steps/<name>.html`) and its title, which is
also its heading unless it says otherwise. `GET /` shows the first step below
whose `shown` test passes for this visit (components/web/sessions.py: the
session's account and its stage: anonymous, signup, signin-code, signed-in),
so a reload always shows the step a swap just did; a step with a `url` of its
own is shown there instead. Each action is a form posted to `path` (its handler is in
`routes/<step>.py`): a Failure shows the step it was posted from again, a
Success goes on to one of `leads_to` (checked by the render seam).

Adding a step: one entry here, its template, and its handler.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.storage.users import User
from components.text import N_, Text, _
from components.web.sessions import Visit

STEP_KEY = "step"  # the session's own step, for steps the account alone does not show


@dataclass(frozen=True)
class Step:
    name: str
    title: Text
    # At GET / (None: only at `url`). Tests run in order, so later ones know an account exists.
    shown: Callable[[Visit], bool] | None = None
    url: str = "/"
    heading: str | None = None  # the <h1>, when not the title; %(name)s is the account's name
    needs: tuple[str, ...] = ()  # what the template uses beyond the form basics (routes/render.py)
    held_in_session: bool = False  # entered by an action, not by the account's state

    @property
    def template(self) -> str:
        return f"steps/{self.name}.html"

    def heading_for(self, user: User | None) -> Text:
        return _(self.heading, name=user.name) if self.heading and user else self.title


@dataclass(frozen=True)
class Action:
    path: str  # POST
    on: Step  # the step whose form posts it
    leads_to: tuple[Step, ...]


# Signing up: the form, a code to the number (or a different number), the account.
SIGNUP = Step("signup", _("Create your account"), shown=lambda visit: visit.stage == "anonymous", needs=("countries",))
DIFFERENT_NUMBER = Step(
    "different_number",
    _("Change your number"),
    needs=("countries", "number"),
    held_in_session=True,
    shown=lambda visit: visit.stage == "signup" and visit.held_step == "different_number",
)
# The code step serves every journey: what for is the visit's `code_purpose` (signup, signin, reset, number).
CODE = Step("code", _("Check your phone"), shown=lambda visit: visit.code_purpose is not None, needs=("code",))
ACCOUNT = Step(
    "account",
    _("Your account"),
    heading=N_("Hi there %(name)s!"),
    shown=lambda visit: visit.stage == "signed-in",
    needs=("phone",),
)
# Coming back: the password, then the code step (unless this browser is remembered).
SIGNIN = Step("signin", _("Sign in"), url="/signin")
# A forgotten password (the reset): the email, the code step, a new password.
RESET = Step("reset", _("Reset your password"), url="/password/forgot")
NEW_PASSWORD = Step("new_password", _("Choose a new password"), shown=lambda visit: visit.stage == "new-password")
# The account's settings, each at its own address, back to the account when done.
PASSWORD = Step("password", _("Change your password"), url="/account/password")
NEW_NUMBER = Step(
    "new_number", _("Change your mobile number"), url="/account/mobile", needs=("countries", "phone", "reauth")
)
CLOSE = Step("close", _("Close your account"), url="/account/close", needs=("reauth",))

STEPS = (SIGNUP, DIFFERENT_NUMBER, CODE, NEW_PASSWORD, ACCOUNT, SIGNIN, RESET, PASSWORD, NEW_NUMBER, CLOSE)

ACTIONS = {
    action.path: action
    for action in (
        Action("/signup", on=SIGNUP, leads_to=(CODE,)),
        # To the account; back to the form (a signup closed by wrong codes); or on to a new password.
        Action("/code", on=CODE, leads_to=(ACCOUNT, SIGNUP, NEW_PASSWORD)),
        Action("/code/resend", on=CODE, leads_to=(CODE,)),
        Action("/number/change", on=CODE, leads_to=(DIFFERENT_NUMBER,)),
        Action("/number", on=DIFFERENT_NUMBER, leads_to=(CODE,)),
        Action("/signin", on=SIGNIN, leads_to=(CODE, ACCOUNT)),
        Action("/password/forgot", on=RESET, leads_to=(CODE,)),
        Action("/password/new", on=NEW_PASSWORD, leads_to=(ACCOUNT,)),
        Action("/account/password", on=PASSWORD, leads_to=(ACCOUNT,)),
        Action("/account/mobile", on=NEW_NUMBER, leads_to=(CODE,)),
        Action("/account/mobile/keep", on=CODE, leads_to=(ACCOUNT,)),
        Action("/account/close", on=CLOSE, leads_to=(SIGNUP,)),
        Action("/signout", on=ACCOUNT, leads_to=(SIGNUP,)),
        Action("/signout/everywhere", on=ACCOUNT, leads_to=(SIGNUP,)),
    )
}


def current_step(visit: Visit) -> Step:
    """The step this visitor is at: the first whose test passes."""
    return next(step for step in STEPS if step.shown and step.shown(visit))


def enter(session: dict[str, Any], action: Action) -> None:
    """After a Success: remember the step it leads to when the session holds it;
    any other step follows from the account."""
    held = [step for step in action.leads_to if step.held_in_session]
    if held:
        session[STEP_KEY] = held[0].name
    else:
        session.pop(STEP_KEY, None)
