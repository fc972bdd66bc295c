"""Proof of work near a shared ceiling: while a ceiling that strangers share is half
spent, a new number's code waits for a puzzle solved (the altcha library solves it
here, as a browser would) or, without JavaScript, a wait; each proof buys one code;
accounts and browsers with a history of entering codes are never asked."""

import base64
import json
import re

import pytest
from altcha.v1 import Challenge, Payload, solve_challenge
from support import words

# A range's ceiling of four codes an hour: from the second code on, it is half spent.
NEAR = {"sends_per_prefix_hour": 4, "proof_of_work_difficulty": 2000, "proof_of_work_wait_seconds": 60}
PUZZLE = re.compile(r"data-puzzle='([^']+)'")


def _spend_half(open_app, delivered, codes: int = 2) -> None:
    """Codes to the range (two of its four, with any sent before), from networks of their own."""
    for n in range(codes):
        open_app("local", "console", address=f"203.0.{n}.9", **NEAR).sign_up(
            email=f"other{n}@example.com", phone=f"+1 201 555 {n:04d}"
        )
    assert all(delivered.bodies(f"+1201555{n:04d}") for n in range(codes))


def solved(page) -> str:
    """The page's puzzle, worked out as static/proof.js does, as ALTCHA's payload."""
    puzzle = json.loads(PUZZLE.search(page.text).group(1).replace("&#39;", "'"))
    challenge = Challenge(
        puzzle["algorithm"], puzzle["challenge"], puzzle["maxNumber"], puzzle["salt"], puzzle["signature"]
    )
    found = solve_challenge(challenge)
    assert found is not None
    return Payload(
        puzzle["algorithm"], puzzle["challenge"], found.number, puzzle["salt"], puzzle["signature"]
    ).to_base64()


@pytest.fixture(params=[True, False], ids=["htmx", "no-js"])
def asked(request, open_app, delivered):
    """A new visitor whose signup's code waits for proof: the range is half spent."""
    _spend_half(open_app, delivered)
    visitor = open_app("local", "console", address="192.0.2.50", htmx=request.param, **NEAR)
    page = visitor.sign_up(email="new@example.com", phone="+1 201 555 0100")
    return visitor, page


def test_below_half_of_every_ceiling_nobody_is_asked(open_app, delivered):
    page = open_app("local", "console", **NEAR).sign_up(phone="+1 201 555 0100")
    assert "Check your messages for the code." in words(page) and "data-puzzle" not in page.text
    assert delivered.bodies("+12015550100")


def test_near_a_ceiling_a_new_numbers_code_waits_for_proof(asked, delivered):
    visitor, page = asked
    assert page.context["step"] == "code" and "data-puzzle" in page.text
    assert "Before we send a code, we make sure a person is asking." in words(page)
    assert "press “Text me a new code” in 60 seconds" in words(page)
    assert delivered.bodies("+12015550100") == []


def test_without_javascript_the_wait_sends_the_code(asked, delivered, clock):
    visitor, _ = asked
    clock.advance(20)
    early = visitor.resend()
    assert early.status_code == 429 and early.headers["Retry-After"] == "40"
    assert "in 40 seconds" in words(early)  # pressing early does not start the wait again
    assert delivered.bodies("+12015550100") == []
    clock.advance(40)
    assert "We sent a new code to" in words(visitor.resend()) and delivered.bodies("+12015550100")


def test_a_solved_puzzle_sends_the_code_at_once(asked, delivered):
    visitor, page = asked
    answer = visitor.post("/code/resend", {"channel": "sms", "proof": solved(page)})
    assert answer.status_code == 200 and "We sent a new code to" in words(answer)
    assert len(delivered.bodies("+12015550100")) == 1


def test_a_solution_buys_one_code_of_one_account(asked, open_app, delivered, clock):
    visitor, page = asked
    proof = solved(page)
    other = open_app("local", "console", address="192.0.2.51", **NEAR)
    other.sign_up(email="other@example.com", phone="+1 201 555 0200")
    assert other.post("/code/resend", {"proof": proof}).status_code == 429  # not its puzzle
    assert visitor.post("/code/resend", {"proof": proof}).status_code == 200
    clock.advance(30)  # the cooldown, not the wait
    again = visitor.post("/code/resend", {"proof": proof})  # a code went since: a new puzzle
    assert again.status_code == 429 and len(delivered.bodies("+12015550100")) == 1


def test_a_puzzle_ten_minutes_old_is_asked_again(asked, delivered, clock):
    visitor, page = asked
    proof = solved(page)
    clock.advance(601)
    assert visitor.post("/code/resend", {"proof": proof}).status_code == 429
    assert delivered.bodies("+12015550100") == []


@pytest.mark.parametrize(
    "proof",
    [
        "",
        "not base64!",
        base64.b64encode(b"[1, 2]").decode(),
        base64.b64encode(b'{"algorithm": "SHA-256"}').decode(),
        base64.b64encode(
            json.dumps({"algorithm": "SHA-1", "challenge": 1, "number": [], "salt": 5, "signature": None}).encode()
        ).decode(),
        "x" * 4000,
    ],
)
def test_a_garbled_proof_is_a_wait_not_an_error(asked, delivered, proof):
    visitor, _ = asked
    answer = visitor.post("/code/resend", {"proof": proof})
    assert answer.status_code == 429 and delivered.bodies("+12015550100") == []


def test_a_browser_that_entered_a_code_before_is_not_asked(open_app, delivered):
    browser = open_app("local", "console", address="192.0.2.60", **NEAR)
    browser.sign_up(email="first@example.com", phone="+1 415 555 2671")
    browser.enter_code(delivered.last_code("+14155552671"))
    browser.sign_out()
    _spend_half(open_app, delivered)
    page = browser.sign_up(email="second@example.com", phone="+1 201 555 0100")
    assert "Check your messages for the code." in words(page) and "data-puzzle" not in page.text
    assert delivered.bodies("+12015550100")


def test_a_number_change_inside_a_signup_waits_for_proof_too(open_app, delivered, clock):
    visitor = open_app("local", "console", address="192.0.2.70", **NEAR)
    visitor.sign_up(email="mover@example.com", phone="+1 415 555 2671")
    _spend_half(open_app, delivered)
    clock.advance(30)
    visitor.different_number()
    page = visitor.set_number("201 555 0100")
    assert "data-puzzle" in page.text and delivered.bodies("+12015550100") == []
    assert "We sent a new code to" in words(visitor.post("/code/resend", {"proof": solved(page)}))


def test_a_verified_account_signs_in_without_proof(open_app, delivered):
    owner = open_app("local", "console", address="192.0.2.80", **NEAR)
    owner.sign_up(email="owner@example.com", phone="+1 201 555 0999")
    owner.enter_code(delivered.last_code("+12015550999"))
    owner.sign_out()
    _spend_half(open_app, delivered, codes=1)  # with the owner's, the range's four are half spent
    stranger = open_app("local", "console", address="192.0.2.81", **NEAR)  # no history here
    page = stranger.sign_in(email="owner@example.com")
    assert "data-puzzle" not in page.text
    assert "sign-in code" in delivered.bodies("+12015550999")[-1]


def test_proof_of_work_can_be_turned_off(open_app, delivered):
    off = {**NEAR, "proof_of_work_percent": 0}
    for n in range(2):
        open_app("local", "console", address=f"203.0.{n}.9", **off).sign_up(
            email=f"other{n}@example.com", phone=f"+1 201 555 {n:04d}"
        )
    page = open_app("local", "console", address="192.0.2.50", **off).sign_up(phone="+1 201 555 0100")
    assert "data-puzzle" not in page.text and delivered.bodies("+12015550100")
