"""The accounts table's guarded writes: each changes exactly what it says, for
exactly the account it names, and never undoes a later change."""

import pytest

pytestmark = pytest.mark.anyio


async def _account(services, email: str):
    return await services.users.create(email=email, name="A", password_hash="x", phone="+12018675309", country="US")


async def _verified(services, email: str):
    account = await _account(services, email)
    return await services.users.finish_challenge(account.id, "signup", verified_at=1.0)


async def _counts(services, account) -> tuple[int, int]:
    found = await services.users.get(account.id)
    return found.code_failures, found.failed_checks


async def test_a_try_given_back_undoes_one_count_of_that_account_and_never_goes_below_none(services):
    """A check the provider could not judge was no failure; a count already cleared
    (a right code in between) is not taken below zero, which would be a try for free."""
    accounts = services.users
    jenny, other = await _account(services, "jenny@example.com"), await _account(services, "other@example.com")
    for account in (jenny, jenny, other):
        await accounts.claim_check(account.id, "signup", 5)
    await accounts.uncount_check(jenny.id)
    assert await _counts(services, jenny) == (1, 1) and await _counts(services, other) == (1, 1)
    await accounts.uncount_check(jenny.id)
    assert await _counts(services, jenny) == (0, 0)
    await accounts.uncount_check(jenny.id)
    assert await _counts(services, jenny) == (0, 0)


async def test_closing_a_signup_never_deletes_an_account_verified_meanwhile(services):
    """A signup's wrong codes close it; the right code, entered at the same moment, wins."""
    account = await _verified(services, "a@example.com")
    await services.users.close_signup(account.id)
    assert (await services.users.get(account.id)).verified


async def test_a_session_version_once_passed_never_comes_back(services):
    """Signing out everywhere and a new password each end what was issued before them
    (pending sign-ins, remembered browsers): an old version must never be current again."""
    accounts = services.users
    account = await _account(services, "a@example.com")
    versions = [account.session_version]
    await accounts.end_sessions(account.id)
    versions.append((await accounts.get(account.id)).session_version)
    versions.append((await accounts.set_password(account.id, "y")).session_version)
    await accounts.end_sessions(account.id)
    versions.append((await accounts.get(account.id)).session_version)
    assert versions == sorted(set(versions))


async def test_new_details_for_a_signup_never_reach_an_account_verified_meanwhile(services):
    account = await _verified(services, "a@example.com")
    assert await services.users.update_pending(account.id, phone="+447400123456", country="GB") is None
    assert (await services.users.get(account.id)).phone == "+12018675309"


async def test_a_resumed_signup_takes_the_language_it_was_resumed_in(services):
    account = await _account(services, "a@example.com")
    resumed = await services.users.update_pending(account.id, phone=account.phone, country="US", language="fr")
    assert resumed.language == "fr"
    unchanged = await services.users.update_pending(account.id, phone=account.phone, country="US")
    assert unchanged.language == "fr"


async def test_a_reset_chooses_its_new_password_once(services):
    """After the reset's code, one new password: the same step cannot set another."""
    account = await _verified(services, "a@example.com")
    await services.users.start_challenge(account.id, "password", fresh=True)
    chosen = await services.users.set_password(account.id, "first", after="password")
    assert chosen.password_hash == "first" and chosen.challenge is None
    assert await services.users.set_password(account.id, "second", after="password") is None
    assert (await services.users.get(account.id)).password_hash == "first"


async def test_a_password_changed_in_the_account_leaves_a_number_change_under_way(services):
    account = await _verified(services, "a@example.com")
    await services.users.start_challenge(account.id, "number", fresh=True)
    assert (await services.users.set_password(account.id, "new")).challenge == "number"


async def test_asking_again_for_the_same_code_keeps_its_tries_and_a_new_number_starts_afresh(services):
    """Signing in twice must not give the code fresh tries; a code to another number is another code."""
    accounts = services.users
    account, signup = await _verified(services, "a@example.com"), await _account(services, "b@example.com")
    assert await accounts.start_challenge(signup.id, "signin") is None  # a signup is not signed in to
    other = await _verified(services, "c@example.com")

    async def tries_used(challenge: str, **to) -> int:
        return (await accounts.start_challenge(account.id, challenge, **to)).code_failures

    await accounts.start_challenge(account.id, "signin")
    await accounts.confirm_send(account.id)
    await accounts.claim_check(account.id, "signin", 5)
    assert await tries_used("signin") == 1 and (await accounts.get(account.id)).code_sent_at is not None
    assert await tries_used("signin", fresh=True) == 0
    await accounts.claim_check(account.id, "signin", 5)
    assert await tries_used("reset") == 0  # another purpose: another code
    await accounts.start_challenge(account.id, "number", phone="+447400123456", country="GB")
    await accounts.claim_check(account.id, "number", 5)
    assert await tries_used("number", phone="+447400123456", country="GB") == 1
    assert await tries_used("number", phone="+447400654321", country="GB") == 0
    assert (await accounts.get(other.id)).challenge is None  # only the account named


async def test_a_lock_holds_only_the_account_named_and_is_only_ever_extended(services):
    accounts = services.users
    other, jenny = await _account(services, "other@example.com"), await _account(services, "jenny@example.com")
    assert (await accounts.lock(jenny.id, 5000.0)).locked_until == 5000.0
    assert await accounts.lock(jenny.id, 4000.0) is None  # of two racing locks, the longer wins
    assert (await accounts.get(jenny.id)).locked_until == 5000.0
    assert (await accounts.get(other.id)).locked_until is None  # the first account made: an id of 1


async def test_a_try_counts_only_against_the_code_it_was_meant_for(services):
    """A guess read the account before another code replaced its own (a reset asked
    for meanwhile): it must not spend a try of the new code."""
    accounts = services.users
    account = await _verified(services, "a@example.com")
    await accounts.start_challenge(account.id, "reset", fresh=True)
    assert await accounts.claim_check(account.id, "signin", 5) is None
    assert await _counts(services, account) == (0, 0)


async def test_a_send_is_claimed_only_once_the_last_code_is_as_old_as_the_cooldown(services, clock):
    """The flow checks the cooldown first; this holds it for a request that read the
    account before another send was confirmed."""
    accounts = services.users
    account = await _account(services, "a@example.com")
    assert await accounts.claim_send(account.id, "signup", cooldown=30, deadline=10) is not None
    await accounts.confirm_send(account.id)
    clock.advance(29)
    assert await accounts.claim_send(account.id, "signup", cooldown=30, deadline=10) is None
    clock.advance(1)
    assert await accounts.claim_send(account.id, "signup", cooldown=30, deadline=10) is not None
