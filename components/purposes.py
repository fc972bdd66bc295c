"""What a code is for, as one type, so that mypy catches a misspelt purpose.

- `signup`: a new account's number; a right code verifies the account.
- `signin`: the second step of a sign-in; a right code signs the browser in.
- `reset`: a forgotten password; a right code lets that browser choose a new one.
- `current-number`: a number change, first: a code to the account's current
  number, so that a borrowed session cannot move the account to another phone;
  a right code sends the next one.
- `number`: a verified account's new number; a right code makes it the account's.
- `number-later`: a new number for an account whose current number can no longer
  get texts; a right code makes it the account's after NUMBER_CHANGE_WAIT_DAYS,
  unless the current number cancels it (a link texted to it).

An account waits for one thing at a time (`users.challenge`): the code of its
signup, a sign-in or a new number (`Awaited`; what a right one does is declared
once, in components/flows/checking.py's `RIGHT_CODE`), or `password`, a new
password after a reset's right code. A reset's code is not awaited: anyone can
ask for one, so it lives apart and never replaces the owner's (flows/reset.py).
"""

from typing import Literal, get_args

Awaited = Literal["signup", "signin", "current-number", "number", "number-later"]
Purpose = Literal[Awaited, "reset"]
Challenge = Literal[Awaited, "password"]

PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
