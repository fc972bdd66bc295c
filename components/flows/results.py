"""What a flow function returns: the step moves on, or stays with a message."""

import math
from dataclasses import dataclass
from typing import Any, Literal

from components.storage.users import User
from components.text import Text, _n


@dataclass(frozen=True)
class Notice:
    text: Text | str  # str: already in the reader's language (a notice kept over a redirect)
    error: bool = False
    quiet: bool = False  # announced (the status region) but not shown: the step already says it


Way = Literal["signin", "reset", "password"]  # password: a new one to choose
# What a sign-in proved, as RFC 8176 names it (an app signed in here is told, in `amr`).
Proof = Literal["pwd", "sms", "hwk", "swk", "user"]
PASSWORD_AND_CODE: tuple[Proof, ...] = ("pwd", "sms")
Journey = Literal["signup", "signin", "reset"]  # what a Success that signs a browser in was


@dataclass(frozen=True)
class Pending:
    """Where a session is on its way, before it belongs to anyone: a sign-in whose
    password was right (its code not yet typed), a password reset (the email typed,
    and the wrong codes since the last code, kept alike for every email), or a reset
    whose code was right (a new password to choose)."""

    purpose: Way
    user: User | None = None
    email: str = ""
    wrong: int = 0
    nonce: str = ""  # a reset's: names the session's own count of tries in the database


@dataclass(frozen=True)
class Success:
    """The step moves on; the session now belongs to `user` (None: nobody), as
    the flow left the account; or it is on its way (`pending`). `remember`: this
    browser may skip the sign-in code from now on. `proved`: the account was signed
    in just now, by these means (a remembered browser's skipped code is not among them), at
    the end of `journey` (the devices page and the activity list say so)."""

    user: User | None
    notice: Notice
    fresh_session: bool = False
    pending: Pending | None = None
    remember: bool = False
    proved: tuple[Proof, ...] = ()
    journey: Journey | None = None


@dataclass(frozen=True)
class Failure:
    """The step stays, with a message (next to `field` when it is about one).
    `user` is the account as the failure left it, when the failure changed it;
    `pending`, the session's way as it left it (a reset counts wrong codes there)."""

    notice: Notice
    field: str | None = None
    kind: Literal["invalid", "slow_down", "unavailable"] = "invalid"
    retry_after: int | None = None
    user: User | None = None
    pending: Pending | None = None


def failure(text: Text, **kwargs: Any) -> Failure:
    return Failure(Notice(text, error=True), **kwargs)


def slow_down(text: Text, retry_after: int, **kwargs: Any) -> Failure:
    return failure(text, kind="slow_down", retry_after=retry_after, **kwargs)


def minutes(seconds: int) -> Text:
    """A wait, as a value for a sentence ("Try again in %(wait)s.")."""
    return _n("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
