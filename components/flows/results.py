"""What a flow function returns: the step moves on, or stays with a message."""

import math
from dataclasses import dataclass
from typing import Literal

from components.storage.users import User


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = False


@dataclass(frozen=True)
class Success:
    """The step moves on; the session now belongs to `user` (None: nobody), as
    the flow left the account. `pending`: an account the session is on its way
    into (its password was right, its code not yet typed). `remember`: this
    browser may skip the sign-in code from now on."""

    user: User | None
    notice: Notice
    fresh_session: bool = False
    pending: User | None = None
    remember: bool = False


@dataclass(frozen=True)
class Failure:
    """The step stays, with a message (next to `field` when it is about one).
    `user` is the account as the failure left it, when the failure changed it."""

    notice: Notice
    field: str | None = None
    kind: Literal["invalid", "slow_down", "unavailable"] = "invalid"
    retry_after: int | None = None
    user: User | None = None


def failure(text: str, **kwargs) -> Failure:
    return Failure(Notice(text, error=True), **kwargs)


def slow_down(text: str, retry_after: int, **kwargs) -> Failure:
    return failure(text, kind="slow_down", retry_after=retry_after, **kwargs)


def minutes(seconds: int) -> str:
    count = math.ceil(seconds / 60)
    return "1 minute" if count == 1 else f"{count} minutes"
