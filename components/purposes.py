"""What a code is for, as one type, so that mypy catches a misspelt purpose.

- `signup`: a new account's number; a right code verifies the account.
- `signin`: the second step of a sign-in; a right code signs the browser in.
- `reset`: a forgotten password; a right code lets that browser choose a new one.
- `number`: a verified account's new number; a right code makes it the account's.

What a right code does for each is declared once, in
components/flows/checking.py (`RIGHT_CODE`). An account waits for one thing at
a time (`users.challenge`): a code's purpose, or `password`, a new password
after a reset's right code.
"""

from typing import Literal, get_args

Purpose = Literal["signup", "signin", "reset", "number"]
Challenge = Literal[Purpose, "password"]

PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
