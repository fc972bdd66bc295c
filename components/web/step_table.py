"""What the step table (routes/steps.py) is written in, and how the app reads it.

A step is one template (`templates/steps/<name>.html`) and its title, which is
also its heading unless it says otherwise. Home (`GET /`) shows the first step
whose `shown` test passes for the visit, so a reload always shows the step a
swap just did; a step with a page of its own is shown at that address instead.
An action is a form a step posts: its handler, and the steps a Success may lead
to (a Failure shows the step it was posted from again). The render seam holds
every answer to the table, so a Success that lands anywhere else raises.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Scope

from components.storage.users import User
from components.text import Text, _
from components.web.visits import Visit

Handler = Callable[[Request], Awaitable[Response]]
# What a step's template uses beyond the form basics (web/step_context.py builds each).
Need = Literal[
    "countries",
    "current_number",
    "masked_phone",
    "code",
    "reauth",
    "number_change",
    "apps",
    "passkeys",
    "devices",
    "activity",
    "recent_activity",
]


@dataclass(frozen=True)
class Page:
    """A step's own address (its route is named after the step)."""

    path: str
    signed_in: bool  # for a signed-in browser (anyone else is sent to sign in); else for anyone else


@dataclass(frozen=True)
class Step:
    name: str
    title: Text
    # At home (None: only at its page). Tests run in order, so later ones know an account exists.
    shown: Callable[[Visit], bool] | None = None
    page: Page | None = None
    heading: str | None = None  # the <h1>, when not the title; %(name)s is the account's name
    needs: tuple[Need, ...] = ()
    held_in_session: bool = False  # entered by an action, not by the account's state
    # Its form's password fields ("password", if the step needs "reauth": only while the sign-in
    # is not recent). Never sent back: a form shown again after an error keeps or asks for them.
    passwords: tuple[str, ...] = ()

    @property
    def template(self) -> str:
        return f"steps/{self.name}.html"

    def heading_for(self, user: User | None) -> Text:
        return _(self.heading, name=user.name) if self.heading and user else self.title


@dataclass(frozen=True)
class Action:
    """A form posted to `path` (its route is `name`), handled by `handler`."""

    name: str
    path: str
    handler: Handler
    on: Step  # the step whose form posts it
    leads_to: tuple[Step, ...]
    hashes: bool = False  # it checks or hashes a password: seconds of CPU, so it queues at the door
    lands_on: Step | None = None  # a step with a page of its own its Success goes to, not home


class ActionRoute(Route):
    """The action's POST, which tells the render seam which action it answers."""

    def __init__(self, action: Action) -> None:
        super().__init__(action.path, action.handler, name=action.name, methods=["POST"])
        self.action = action

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        match, child_scope = super().matches(scope)
        if match is not Match.NONE:
            child_scope["action"] = self.action
        return match, child_scope


@dataclass(frozen=True)
class StepTable:
    steps: tuple[Step, ...]
    actions: tuple[Action, ...]
    others: tuple[BaseRoute, ...]  # the routes that are no step's: home, polls, the switcher, files, probes
    page: Callable[[Step], Handler]  # the GET of a step with a page of its own

    def current(self, visit: Visit) -> Step:
        """The step this visitor is at home: the first whose test passes."""
        return next(step for step in self.steps if step.shown and step.shown(visit))

    def held_after(self, action: Action) -> Step | None:
        """The step a Success of `action` leads to when the session holds it (any other
        follows from the account)."""
        return next((step for step in action.leads_to if step.held_in_session), None)

    def hashing_paths(self) -> frozenset[str]:
        return frozenset(action.path for action in self.actions if action.hashes)

    def routes(self) -> list[BaseRoute]:
        """Every route: each step's page (its route named after the step), each action, the rest."""
        pages = [
            Route(step.page.path, self.page(step), name=step.name, methods=["GET"]) for step in self.steps if step.page
        ]
        return [*pages, *(ActionRoute(action) for action in self.actions), *self.others]

    @cached_property
    def _router(self) -> Router:
        return Router(routes=self.routes())

    def path(self, name: str, **params: Any) -> str:
        """The path of the route `name` (templates call it `path`)."""
        return str(self._router.url_path_for(name, **params))


def table_of(request: Request) -> StepTable:
    table: StepTable = request.app.state.step_table
    return table


def action_of(request: Request) -> Action:
    """The action this request posts (every action's route says)."""
    action: Action = request.scope["action"]
    return action


def path_to(request: Request, name: str, **params: Any) -> str:
    """The path of the route `name`: each is written once, in the table."""
    return str(request.app.url_path_for(name, **params))
