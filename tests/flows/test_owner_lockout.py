"""Knowing an email is not enough to lock its owner out: the outside review's
script (about 25 requests an hour from 14 addresses: wrong passwords, "forgot
password" again and again, wrong codes after each reset) replayed, after which
the owner still signs in on her own browser and resets from a new one."""

from support import JENNY, JENNY_E164, words

NEW_PASSWORD = "a brand new passphrase for jenny"
WRONG_CODE = "0000000"


def _attack(new_visitor, settle, clock) -> None:
    attackers = [new_visitor(address=f"198.51.{n}.66") for n in range(14)]
    for attacker in attackers:
        clock.advance(31)  # past each cooldown
        attacker.request_reset()
        settle()
        for _ in range(2):
            attacker.enter_code(WRONG_CODE)
    for attacker in attackers[:4]:
        clock.advance(31)
        attacker.resend()
        settle()
    for n, attacker in enumerate(attackers[:10]):  # last: the owner comes while the throttle holds
        attacker.sign_in(password=f"wrong guess {n}")
    assert "Too many tries for this email" in words(attackers[0].sign_in())


def test_the_reviews_script_leaves_the_owner_signing_in_on_her_browser(verified, outbox, new_visitor, settle, clock):
    verified.sign_out()
    verified.sign_in()
    verified.post("/code", {"code": outbox.last_code(), "remember": "yes"})
    verified.sign_out()
    _attack(new_visitor, settle, clock)
    assert verified.sign_in().context["step"] == "account"


def test_the_reviews_script_leaves_the_owner_a_code_step_that_works(verified, outbox, new_visitor, settle, clock):
    """Her browser passed the code once, but is not remembered: the sign-in code still comes, and works."""
    verified.sign_out()
    _attack(new_visitor, settle, clock)
    page = verified.sign_in()
    assert page.context["step"] == "code" and not page.context["notice"].error
    assert "sign-in code" in outbox.messages(JENNY_E164)[-1]["body"]
    assert verified.enter_code(outbox.last_code(JENNY_E164)).context["step"] == "account"


def test_the_reviews_script_leaves_the_owner_able_to_reset_from_a_new_browser(outbox, new_visitor, settle, clock):
    owner = new_visitor(address="192.0.2.7")
    owner.sign_up()
    owner.enter_code(outbox.last_code())
    owner.sign_out()
    _attack(new_visitor, settle, clock)
    new_browser = new_visitor(address="203.0.113.99")
    assert new_browser.request_reset().status_code == 200
    settle()
    assert new_browser.enter_code(outbox.last_code(JENNY_E164)).context["step"] == "new_password"
    page = new_browser.post("/password/new", {"password": NEW_PASSWORD})
    assert page.context["step"] == "account" and new_visitor().sign_in(JENNY["email"], NEW_PASSWORD).status_code == 200
