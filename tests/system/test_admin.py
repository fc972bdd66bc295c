"""The operator's commands, run as an operator runs them: each says what it did
and exits 0, or says what is wrong and exits non-zero."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from fresh_db import dialect
from support import JENNY, SECRET

from components.admin import run
from components.storage.database import users
from routes.steps import LINKS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def command(monkeypatch, tmp_path, settings, capsys, clock):
    """`python app.py <command>` on this test's database, in-process: its exit status and what it printed."""
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "APP_ENV": "test",
        "APP_SECRET": SECRET,
        "DATABASE_URL": settings.database_url,
        "SMS_OUTBOX": settings.sms_outbox,
    }.items():
        monkeypatch.setenv(name, value)

    def run_command(*arguments: str) -> tuple[int, str]:
        capsys.readouterr()  # what the app printed before (texts to the console)
        status = run(list(arguments), LINKS, clock=clock)
        return status, capsys.readouterr().out

    return run_command


def test_migrate_brings_the_schema_up_to_date(command):
    status, said = command("migrate")
    assert status == 0 and "The database's schema is at version" in said


def test_unlock_lets_a_locked_account_try_codes_and_passwords_again(verified, server, command, new_visitor):
    db = server.app.state.services.db
    server.portal.call(
        db.execute, users.update().values(locked_until=sa.literal(9e12), failed_checks=100, code_failures=5)
    )
    verified.sign_out()
    elsewhere = new_visitor(address="198.51.100.44")  # a browser the account's code never made known
    for _ in range(10):
        elsewhere.sign_in(password="not the password")
    assert elsewhere.sign_in().status_code == 429  # throttled
    status, said = command("unlock", JENNY["email"].upper())
    assert status == 0 and f"Unlocked account 1 ({JENNY['email'].upper()})" in said
    user = server.portal.call(server.app.state.services.users.get, 1)
    assert not user.locked(0) and user.failed_checks == 0 and user.code_failures == 0
    assert elsewhere.sign_in().context["step"] == "code"


@pytest.mark.parametrize("name", ["unlock", "delete"])
def test_an_unknown_email_is_said_and_fails(command, name):
    status, said = command(name, "nobody@example.com")
    assert status == 1 and "No account has the email nobody@example.com." in said


def test_delete_removes_the_account_and_ends_its_sessions(verified, server, command):
    status, said = command("delete", JENNY["email"])
    assert status == 0 and "Deleted account 1" in said
    assert verified.open().context["step"] == "signup"
    assert server.portal.call(server.app.state.services.users.get, 1) is None


def test_purge_clears_out_expired_signups_and_keeps_verified_accounts(verified, new_visitor, clock, server, command):
    new_visitor(address="198.51.100.5").sign_up(email="late@example.com", phone="+1 415 555 2671")
    clock.advance(25 * 3600)
    status, said = command("purge")
    assert status == 0 and "1 unfinished signups" in said
    assert re.search(r"It took [\d.]+ s; the longest batch \d+ ms", said)
    held = re.search(r"The longest a batch held SQLite's writer: [\d.]+ ms, [\d.]+ ms of them on a CPU", said)
    assert bool(held) == (dialect() == "sqlite")
    get = server.app.state.services.users.get
    assert server.portal.call(get, 2) is None and server.portal.call(get, 1).verified


def test_stats_count_signups_codes_and_conversion_by_country(verified, new_visitor, command):
    other = new_visitor(address="198.51.100.5")
    other.sign_up(email="gb@example.com", country="GB", phone="07400 123456")
    status, said = command("stats")
    lines = {line.split()[0]: line.split()[1:] for line in said.splitlines()[2:]}
    assert status == 0
    assert lines["US"] == ["1", "1", "1", "100%"] and lines["GB"] == ["1", "1", "0", "0%"]
    assert lines["all"] == ["2", "2", "1", "50%"]


def test_activity_prints_an_accounts_events_newest_first(verified_visitor, new_visitor, outbox, command, clock, settle):
    laptop = new_visitor(address="198.51.100.7")
    clock.advance(60)
    laptop.sign_in(password="not the password")
    settle()  # the refusal is noted after the answer
    clock.advance(60)
    laptop.sign_in()
    laptop.enter_code(outbox.last_code())
    settle()  # the new sign-in's text is printed before the command runs, not among its lines
    status, said = command("activity", JENNY["email"])
    lines = said.splitlines()
    assert status == 0 and lines[0] == "Account 1 (jenny@example.com): 3 events in 90 days"
    assert [line.split()[3] for line in lines[1:]] == ["signed-in", "password-refused", "signed-up"]
    assert "pwd sms 198.51.100.0/24" in lines[1]
    assert command("activity", "nobody@example.com")[0] == 1


def test_check_config_names_what_is_wrong(command, monkeypatch):
    assert command("check-config")[0] == 0
    monkeypatch.setenv("SIGNIN_CODE", "sometimes")
    status, said = command("check-config")
    assert status == 1 and "SIGNIN_CODE must be one of always, new-browser, off; got 'sometimes'" in said


def test_a_wrong_command_shows_the_usage_and_fails(command):
    status, said = command("unlok", "a@example.com")
    assert status == 2 and "usage: python app.py [command]" in said


def test_the_commands_run_from_the_command_line(tmp_path, settings):
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "test", "APP_SECRET": SECRET, "DATABASE_URL": settings.database_url}
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py"), "stats"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and "Last 24 hours, by country:" in done.stdout


def test_check_config_warns_when_the_proxies_it_trusts_may_also_scrape(command, monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8")
    monkeypatch.setenv("METRICS_ADDRESSES", "10.20.0.0/16,192.0.2.7")
    status, said = command("check-config")
    assert status == 0
    assert "Warning: METRICS_ADDRESSES 10.20.0.0/16 is among TRUSTED_PROXIES 10.0.0.0/8" in said
    assert "192.0.2.7" not in said.split("Warning:", 1)[1]
    monkeypatch.setenv("METRICS_ADDRESSES", "192.0.2.7")
    assert "Warning" not in command("check-config")[1]


def test_check_config_says_a_lone_password_needs_fifteen_characters(command, monkeypatch):
    monkeypatch.setenv("SIGNIN_CODE", "off")
    status, said = command("check-config")
    assert status == 0 and "SIGNIN_CODE=off: the password is the only factor" in said and "15 characters" in said


def test_check_config_warns_when_production_offers_no_way_to_reach_a_person(command, monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("PUBLIC_HOST", "signup.example.org")
    monkeypatch.setenv("SMS_PROVIDER", "twilio")
    monkeypatch.setenv("PUBLIC_URL", "https://signup.example.org")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "0" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "t" * 32)
    monkeypatch.setenv("TWILIO_NUMBER", "+15005550006")
    status, said = command("check-config")
    assert status == 0 and "Warning: SUPPORT_CONTACT is not set" in said, said
    monkeypatch.setenv("SUPPORT_CONTACT", "help@example.org")
    assert "SUPPORT_CONTACT" not in command("check-config")[1]


# Apps that sign their users in here (components/admin_apps.py).


def test_clients_add_prints_the_id_and_a_secret_shown_once_and_stored_hashed(command, server):
    status, said = command(
        "clients",
        "add",
        "--name",
        "Photo Prints",
        "--redirect-uri",
        "https://prints.example/cb",
        "--redirect-uri",
        "http://127.0.0.1/cb",
        "--post-logout-redirect-uri",
        "https://prints.example/bye",
    )
    assert status == 0
    made = json.loads(said)
    assert made["client_secret"] and made["redirect_uris"] == ["https://prints.example/cb", "http://127.0.0.1/cb"]
    stored = server.portal.call(server.app.state.services.clients.get, made["client_id"])
    assert stored.secret_matches(made["client_secret"]) and made["client_secret"] not in stored.secret_hash
    status, listed = command("clients", "list")
    assert status == 0 and made["client_secret"] not in listed
    assert [client["name"] for client in json.loads(listed)] == ["Photo Prints"]


def test_a_public_client_gets_no_secret(command):
    status, said = command("clients", "add", "--name", "Phone app", "--public", "--redirect-uri", "http://[::1]/cb")
    assert status == 0 and "client_secret" not in json.loads(said) and json.loads(said)["public"] is True


@pytest.mark.parametrize(
    "uri", ["http://prints.example/cb", "https://prints.example/cb#top", "prints.example/cb", "ftp://x/y"]
)
def test_clients_add_refuses_an_address_production_would_not_take(command, monkeypatch, uri):
    production = {
        "APP_ENV": "production",
        "PUBLIC_HOST": "accounts.example",
        "PUBLIC_URL": "https://accounts.example",
        "SUPPORT_CONTACT": "help@accounts.example",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "t" * 32,
        "TWILIO_NUMBER": "+12015550100",
    }
    for name, value in production.items():
        monkeypatch.setenv(name, value)
    status, said = command("clients", "add", "--name", "X", "--redirect-uri", uri)
    assert status == 1 and said.startswith("Not registered: ")


def test_rotate_secret_replaces_the_secret_and_remove_ends_the_app(command, server):
    made = json.loads(command("clients", "add", "--name", "A", "--redirect-uri", "https://a.example/cb")[1])
    status, said = command("clients", "rotate-secret", made["client_id"])
    fresh = json.loads(said)["client_secret"]
    stored = server.portal.call(server.app.state.services.clients.get, made["client_id"])
    assert status == 0 and stored.secret_matches(fresh) and not stored.secret_matches(made["client_secret"])
    assert command("clients", "remove", made["client_id"])[0] == 0
    assert server.portal.call(server.app.state.services.clients.get, made["client_id"]) is None
    assert command("clients", "remove", made["client_id"]) == (1, f"No client has the id {made['client_id']}.\n")


def test_clients_with_missing_words_prints_the_usage(command):
    status, said = command("clients", "add", "--name", "X")
    assert status == 2 and "clients add --name NAME" in said


def test_keys_rotate_publishes_new_keys_that_sign_after_the_grace(command, server, clock):
    keys = server.app.state.services.keys
    before = {key["kid"] for key in server.get("/jwks.json").json()["keys"]}
    status, said = command("keys", "rotate")
    assert status == 0
    made = set(json.loads(said)["published"])
    clock.advance(61)  # the workers' key cache
    published = {key["kid"] for key in server.get("/jwks.json").json()["keys"]}
    assert published == before | made
    assert server.portal.call(keys.signer, "RS256").kid in before
    clock.advance(3600)
    assert server.portal.call(keys.signer, "RS256").kid in made
