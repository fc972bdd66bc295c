"""Settings: defaults that run offline, and start-up refusals that name the variable."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from components.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean environment in an empty folder (no .env, no var/)."""
    for name in list(os.environ):
        prefixes = ("APP_", "DATABASE_", "VERIFY_", "SMS_", "TWILIO_", "AUTHY_", "BCRYPT_", "PUBLIC_", "SIGNIN_")
        if name.startswith(prefixes) or name in ("PORT", "WORKERS"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_defaults_are_sqlite_local_and_console(environment):
    settings = load_settings()
    assert (settings.app_env, settings.database_url) == ("development", "sqlite:///var/app.db")
    assert (settings.verify_provider, settings.sms_provider) == ("local", "console")
    assert (settings.host, settings.port, settings.bcrypt_rounds) == ("127.0.0.1", 8000, 12)
    assert settings.default_country == "US" and settings.sms_outbox == "var/outbox.jsonl"


def test_development_makes_its_own_secret_and_keeps_it(environment, tmp_path):
    first = load_settings().app_secret
    assert len(first) >= 32
    assert load_settings().app_secret == first
    assert (tmp_path / "var" / "secret").stat().st_mode & 0o077 == 0
    (tmp_path / "var" / "secret").unlink()
    assert load_settings().app_secret != first


def test_workers_starting_together_agree_on_one_development_secret(environment):
    theirs = "t" * 64

    def another_worker_writes_first(length: int) -> str:
        Path("var/secret").write_text(theirs)
        return "m" * 64

    environment.setattr("components.settings.secrets.token_urlsafe", another_worker_writes_first)
    assert load_settings().app_secret == theirs
    assert [path.name for path in Path("var").iterdir()] == ["secret"]


def test_production_without_a_secret_refuses_to_start(environment):
    environment.setenv("APP_ENV", "production")
    with pytest.raises(SettingsError, match="APP_SECRET is required"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VERIFY_PROVIDER", "carrier-pigeon", "VERIFY_PROVIDER must be one of local, authy, twilio-verify"),
        ("SMS_PROVIDER", "fax", "SMS_PROVIDER must be one of console, twilio"),
        ("APP_ENV", "staging", "APP_ENV must be one of development, production, test"),
        ("PORT", "eighty", "PORT must be a number"),
        ("WORKERS", "0", "WORKERS must be at least 1"),
        ("APP_SECRET", "short", "APP_SECRET must be at least 32 characters"),
        ("SUPPORT_CONTACT", "call us", "SUPPORT_CONTACT must be an email address or an https:// address"),
        ("SUPPORT_CONTACT", "javascript:alert(1)", "SUPPORT_CONTACT must be an email address"),
        ("PRIVACY_URL", "ftp://example.org/privacy", "PRIVACY_URL must be an https:// address"),
    ],
)
def test_bad_values_are_refused_by_name(environment, variable, value, message):
    environment.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_dotenv_file_is_read(environment, tmp_path):
    (tmp_path / ".env").write_text("DEFAULT_COUNTRY=GB\nBCRYPT_ROUNDS=10\n")
    settings = load_settings()
    assert (settings.default_country, settings.bcrypt_rounds) == ("GB", 10)


def test_the_server_stops_with_the_variables_name(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "production"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Configuration error: APP_SECRET is required when APP_ENV=production" in done.stderr
    assert "Traceback" not in done.stderr


def test_uvicorn_can_load_app_colon_app(environment):
    import app as module
    from routes.steps import TABLE

    application = module.app
    assert [route.path for route in application.routes] == [route.path for route in TABLE.routes()]


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"VERIFY_PROVIDER": "authy"}, "VERIFY_PROVIDER=authy needs AUTHY_API_KEY"),
        (
            {"VERIFY_PROVIDER": "twilio-verify", "TWILIO_ACCOUNT_SID": "AC1"},
            "VERIFY_PROVIDER=twilio-verify needs TWILIO_AUTH_TOKEN, TWILIO_VERIFY_SERVICE_SID",
        ),
        (
            {"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"},
            "SMS_PROVIDER=twilio needs TWILIO_NUMBER or TWILIO_MESSAGING_SERVICE_SID",
        ),
    ],
)
def test_a_provider_without_its_credentials_stops_start_up(environment, variables, message):
    for name, value in variables.items():
        environment.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_a_provider_with_its_credentials_starts(environment):
    for name, value in {
        "VERIFY_PROVIDER": "twilio-verify",
        "SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_VERIFY_SERVICE_SID": "VA1",
        "TWILIO_MESSAGING_SERVICE_SID": "MG1",
    }.items():
        environment.setenv(name, value)
    settings = load_settings()
    assert (settings.verify_provider, settings.sms_provider) == ("twilio-verify", "twilio")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({}, "APP_ENV=production cannot use SMS_PROVIDER=console"),
        ({"SMS_PROVIDER": "twilio"}, "APP_ENV=production needs PUBLIC_HOST"),
        ({"SMS_PROVIDER": "twilio", "PUBLIC_HOST": "signup.example.com"}, "SMS_PROVIDER=twilio needs PUBLIC_URL"),
        (
            {"SMS_PROVIDER": "twilio", "PUBLIC_HOST": "signup.example.com", "PUBLIC_URL": "http://signup.example.com"},
            "needs PUBLIC_URL, the site's https:// address",
        ),
    ],
)
def test_production_refuses_development_stand_ins(environment, variables, message):
    twilio = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_MESSAGING_SERVICE_SID": "MG1"}
    for name, value in {"APP_ENV": "production", "APP_SECRET": "s" * 40, **twilio, **variables}.items():
        environment.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()
    environment.setenv("SMS_PROVIDER", "twilio")
    environment.setenv("PUBLIC_HOST", "signup.example.com")
    environment.setenv("PUBLIC_URL", "https://signup.example.com")
    assert load_settings().production


def test_production_with_the_console_sender_does_not_start(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "APP_ENV": "production", "APP_SECRET": "s" * 40, "PUBLIC_HOST": "example.com"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "SMS_PROVIDER=console" in done.stderr
    assert not (tmp_path / "var").exists()  # nothing was printed to, or written in, an outbox


def test_var_and_everything_in_it_are_for_the_owner_only(tmp_path):
    """Password hashes, personal data, the development outbox and secret."""
    env = {"PATH": "/usr/bin:/bin", "PORT": "0", "BCRYPT_ROUNDS": "4"}
    script = (
        "import asyncio, app\n"
        "from components.providers.console import ConsoleSender\n"
        "from components.providers.interface import Message\n"
        "from components.storage.database import connected\n"
        "settings = app._settings()\n"
        "async def main():\n"
        "    async with connected(settings.database_url):\n"
        "        await ConsoleSender(settings.sms_outbox).send(Message('+12018675309', 'hello'))\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    var = tmp_path / "var"
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    made = sorted(path.name for path in var.iterdir())
    assert {"app.db", "outbox.jsonl", "secret"} <= set(made)
    assert {path.name: oct(stat.S_IMODE(path.stat().st_mode)) for path in var.iterdir()} == dict.fromkeys(made, "0o600")
