"""The tokens an account vouches for a browser with: its own, bound to the account and
its session version, of one kind only, and still read when issued before they were a
browser's own."""

from components.remembered_browsers import RememberedBrowsers

SECRET = "s" * 40


def _tokens(kind="remember"):
    return RememberedBrowsers(SECRET, 30, production=False, clock=lambda: 1_800_000_000.0, kind=kind)


def test_two_browsers_vouched_for_in_the_same_second_get_tokens_of_their_own():
    remembered = _tokens()
    first, second = remembered.token(1, 0), remembered.token(1, 0)
    assert first != second
    assert remembered.remembered(first, 1, 0) and remembered.remembered(second, 1, 0)


def test_a_token_is_for_its_account_its_session_version_and_its_kind():
    remembered, known = _tokens(), _tokens("known")
    token = remembered.token(1, 3)
    assert not remembered.remembered(token, 2, 3) and not remembered.remembered(token, 1, 4)
    assert not known.remembered(token, 1, 3)
    assert known.cookie == "known" and remembered.cookie == "remember"


def test_a_token_from_before_they_were_a_browsers_own_still_counts():
    remembered = _tokens()
    issued_before = remembered.serializer.dumps([1, 0])
    assert remembered.remembered(issued_before, 1, 0)
