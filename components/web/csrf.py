"""CSRF: a token tied to the session in every form, checked on every POST."""

import hmac
import secrets
from typing import Any

from starlette.datastructures import FormData


class CsrfFailed(Exception):
    """A form came without the token of this session; nothing was done."""

    def __init__(self, form: FormData) -> None:
        self.form = form


def csrf_token(session: dict[str, Any]) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def check_csrf(session: dict[str, Any], form: FormData) -> None:
    sent = form.get("csrf_token")
    expected = session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfFailed(form)
