"""CSRF: a token tied to the session in every form, checked on every POST."""

import hmac
import secrets


class CsrfFailed(Exception):
    """A form came without the token of this session; nothing was done."""

    def __init__(self, form):
        self.form = form


def csrf_token(session: dict) -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def check_csrf(session: dict, form) -> None:
    sent = form.get("csrf_token")
    expected = session.get("csrf")
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent.encode(), expected.encode())):
        raise CsrfFailed(form)
