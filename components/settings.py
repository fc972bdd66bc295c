"""Settings read once from the environment and a `.env` file.

Every field is read from the variable of the same name in capitals
(`bcrypt_rounds` from `BCRYPT_ROUNDS`); lists are comma-separated.
"""

import ipaddress
import os
import secrets
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

import phonenumbers
from starlette.config import Config

from components.durations import HOUR, MINUTE
from components.private_files import private_folder

ENVIRONMENTS = ("development", "production", "test")
VERIFY_PROVIDERS = ("local", "authy", "twilio-verify")
SMS_PROVIDERS = ("console", "twilio")
SIGNIN_CODES = ("always", "new-browser", "off")


class SettingsError(Exception):
    """A setting is missing or has a value the app cannot run with."""


@dataclass(frozen=True)
class Settings:
    app_secret: str
    app_env: str = "development"
    app_name: str = "Account Verification"
    public_host: str = "localhost"
    # Where providers reach the app (status callbacks), and what apps signing in here know it
    # as (OpenID Connect's issuer): https://… in production
    public_url: str = ""
    support_contact: str = ""  # an email address or https:// page where people reach a person
    privacy_url: str = ""  # the operator's privacy notice; empty: the app's own (/privacy)
    database_url: str = "sqlite:///var/app.db"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    verify_provider: str = "local"
    # How codes may reach people, where the provider can: sms (always), call, whatsapp (Verify only)
    verify_channels: tuple[str, ...] = ("sms", "call")
    sms_provider: str = "console"
    sms_outbox: str = "var/outbox.jsonl"
    console_delivery_seconds: float = 2.0  # the console's carrier reports a text delivered after this
    console_undeliverable: tuple[str, ...] = ()  # numbers (E.164) the console's carrier cannot deliver to
    bcrypt_rounds: int = 12
    default_country: str = "US"
    # Codes and checks
    code_ttl_seconds: int = 600
    code_max_attempts: int = 5
    failed_checks_before_lock: int = 20  # wrong codes in a row; again at every multiple
    lock_seconds: int = HOUR
    failed_checks_before_stop: int = 100  # in a row: a signup closes, a verified account's codes stop
    # Sends and signups (SMS pumping, harassment, cost)
    resend_cooldown_seconds: int = 30
    sends_per_number_hour: int = 5
    sends_per_number_day: int = 10
    sends_per_address_hour: int = 20
    signups_per_address_hour: int = 10
    sends_per_minute: int = 0  # all numbers together: off, since an attacker could spend it for everyone
    # Pumping: numbers of one range (all but their last PREFIX_TAIL_DIGITS) and one country
    prefix_tail_digits: int = 4
    sends_per_prefix_hour: int = 20
    sends_per_country_hour: int = 1000
    conversion_window_seconds: int = HOUR
    conversion_min_sends_prefix: int = 10
    conversion_min_sends_country: int = 100
    conversion_min_percent: int = 20
    conversion_pause_seconds: int = 30 * MINUTE
    # Near a shared ceiling, new visitors show proof of work (or, without JavaScript, wait)
    proof_of_work_percent: int = 50  # how full a shared ceiling is when it is asked for; 0: never
    proof_of_work_difficulty: int = 50_000  # ALTCHA's maxnumber: half as many SHA-256 on average
    proof_of_work_wait_seconds: int = 15
    allowed_countries: tuple[str, ...] = ()
    trusted_proxies: tuple[str, ...] = ()
    ipv6_prefix: int = 64  # one subscriber usually holds a whole /64
    unverified_ttl_seconds: int = 24 * HOUR
    housekeeping_seconds: int = 10 * MINUTE  # how often old rows are cleared out (by one instance)
    # Passwords (sign-in, resuming a signup, and every later check)
    password_failures_per_email: int = 10
    password_failures_per_address: int = 30
    password_window_seconds: int = 15 * MINUTE
    password_failures_before_lock: int = 100  # in a row; then only a code to the number clears it
    # Apps that sign their users in here (OpenID Connect): their token endpoint calls
    token_requests_per_client_minute: int = 600
    client_auth_failures_per_address_hour: int = 30
    # Passkeys (WebAuthn) on top of the phone: on or off, and how many an account may keep
    passkeys: str = "on"
    passkeys_per_account: int = 10
    # The devices page and activity: a text for a sign-in from a new browser; events kept this long
    notify_new_signin: str = "on"
    activity_days: int = 90
    # Sign-in
    signin_code: str = "new-browser"
    remember_browser_days: int = 30
    known_browser_days: int = 180  # a browser that passed the code: its right password outlasts strangers' throttling
    number_change_wait_days: int = 7  # a new number for an account whose current one is gone: the wait
    reset_check_seconds: float = 0.3  # a reset's code check takes at least this, account or not
    reauth_seconds: int = 10 * MINUTE  # changing the number or closing the account asks the password after this
    # Sessions and requests
    session_idle_seconds: int = HOUR
    session_max_age_seconds: int = 12 * HOUR
    max_body_bytes: int = 8192
    body_timeout_seconds: float = 10.0  # a request's whole body, from its first byte: else 408
    database_timeout_seconds: float = 5.0  # connecting, each statement, a write lock
    request_timeout_seconds: float = 60.0  # a backstop for anything that hangs (databases and providers have theirs)
    # Operating it
    log_format: str = ""  # text or json; empty: json in production, text elsewhere
    metrics_token: str = ""  # GET /metrics with "Authorization: Bearer <token>"
    metrics_addresses: tuple[str, ...] = ()  # or from these addresses or networks
    # Providers
    provider_timeout_seconds: float = 3.0
    send_timeout_seconds: float = 8.0
    # The outbox (confirmation and notice texts)
    outbox_poll_seconds: float = 5.0
    outbox_retry_seconds: int = 30  # the first wait before a retry; it doubles each time
    outbox_max_attempts: int = 6
    authy_api_key: str = ""
    authy_api_url: str = "https://api.authy.com"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_verify_service_sid: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    twilio_verify_api_url: str = "https://verify.twilio.com"

    @property
    def password_min_length(self) -> int:
        """NIST SP 800-63B-4: 15 characters where the password is the only factor, else 8."""
        return 15 if self.signin_code == "off" else 8

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def issuer(self) -> str:
        """This provider's name in every token (OpenID Connect): PUBLIC_URL; without it, the
        site's https:// host in production and this machine's address in development."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"https://{self.public_host}" if self.production else f"http://localhost:{self.port}"

    @property
    def passkey_party(self) -> tuple[str, tuple[str, ...]]:
        """WebAuthn's relying party: its ID (the issuer's host name: passkeys belong to it) and
        the origins a passkey's answer may come from (development: localhost, at PORT)."""
        origin = self.issuer
        origins = {origin} | ({f"http://localhost:{self.port}"} if not self.production else set())
        return str(urlsplit(origin).hostname), tuple(sorted(origins))

    @property
    def log_lines(self) -> str:
        return self.log_format or ("json" if self.production else "text")

    def check(self) -> "Settings":
        """Refuse values the app cannot run with, naming the variable."""
        _one_of("APP_ENV", self.app_env, ENVIRONMENTS)
        _one_of("VERIFY_PROVIDER", self.verify_provider, VERIFY_PROVIDERS)
        if "sms" not in self.verify_channels or set(self.verify_channels) - {"sms", "call", "whatsapp"}:
            raise SettingsError("VERIFY_CHANNELS must list sms, and may add call and whatsapp")
        _one_of("SMS_PROVIDER", self.sms_provider, SMS_PROVIDERS)
        _one_of("SIGNIN_CODE", self.signin_code, SIGNIN_CODES)
        _one_of("PASSKEYS", self.passkeys, ("on", "off"))
        if not 1 <= self.passkeys_per_account <= 50:
            raise SettingsError("PASSKEYS_PER_ACCOUNT must be between 1 and 50")
        _one_of("NOTIFY_NEW_SIGNIN", self.notify_new_signin, ("on", "off"))
        if not 1 <= self.activity_days <= 3650:
            raise SettingsError("ACTIVITY_DAYS must be between 1 and 3650")
        if len(self.app_secret) < 32:
            raise SettingsError("APP_SECRET must be at least 32 characters long")
        if self.workers < 1:
            raise SettingsError("WORKERS must be at least 1")
        if not 4 <= self.bcrypt_rounds <= 31:
            raise SettingsError("BCRYPT_ROUNDS must be between 4 and 31")
        if not 1 <= self.prefix_tail_digits <= 8:
            raise SettingsError("PREFIX_TAIL_DIGITS must be between 1 and 8")
        if not 0 <= self.conversion_min_percent <= 100:
            raise SettingsError("CONVERSION_MIN_PERCENT must be between 0 and 100")
        if not 0 <= self.proof_of_work_percent <= 100:
            raise SettingsError("PROOF_OF_WORK_PERCENT must be between 0 and 100")
        if self.proof_of_work_difficulty < 1:
            raise SettingsError("PROOF_OF_WORK_DIFFICULTY must be at least 1")
        if not 1 <= self.ipv6_prefix <= 128:
            raise SettingsError("IPV6_PREFIX must be between 1 and 128")
        if not 1 <= self.failed_checks_before_stop <= 100:
            raise SettingsError("FAILED_CHECKS_BEFORE_STOP must be between 1 and 100 (NIST SP 800-63B)")
        if not 1 <= self.password_failures_before_lock <= 100:
            raise SettingsError("PASSWORD_FAILURES_BEFORE_LOCK must be between 1 and 100 (NIST SP 800-63B)")
        unknown = [code for code in self.allowed_countries if code not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise SettingsError(f"ALLOWED_COUNTRIES has unknown country codes: {', '.join(unknown)}")
        if self.log_format not in ("", "text", "json"):
            raise SettingsError(f"LOG_FORMAT must be text or json; got {self.log_format!r}")
        if self.metrics_token and len(self.metrics_token) < 16:
            raise SettingsError("METRICS_TOKEN must be at least 16 characters long")
        for setting, networks in (
            ("TRUSTED_PROXIES", self.trusted_proxies),
            ("METRICS_ADDRESSES", self.metrics_addresses),
        ):
            for network in networks:
                try:
                    ipaddress.ip_network(network)
                except ValueError:
                    raise SettingsError(f"{setting} has {network!r}, which is not an address or network") from None
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise SettingsError("PUBLIC_URL must start with https:// (or http:// outside production)")
        if self.support_contact and not (_is_email(self.support_contact) or self._is_link(self.support_contact)):
            raise SettingsError("SUPPORT_CONTACT must be an email address or an https:// address")
        if self.privacy_url and not self._is_link(self.privacy_url):
            raise SettingsError("PRIVACY_URL must be an https:// address")
        if self.outbox_max_attempts < 1:
            raise SettingsError("OUTBOX_MAX_ATTEMPTS must be at least 1")
        if self.production:
            self._check_production()
        if self.app_env != "test":
            self._check_credentials()
        return self

    def _check_production(self) -> None:
        """Development stand-ins never go live: they print codes and mark texts for localhost."""
        if self.sms_provider == "console":
            raise SettingsError(
                "APP_ENV=production cannot use SMS_PROVIDER=console (it prints every text, codes "
                "included, and keeps them in a file): set SMS_PROVIDER=twilio and its TWILIO_ settings"
            )
        if self.public_host in ("", "localhost"):
            raise SettingsError(
                "APP_ENV=production needs PUBLIC_HOST, the site's host name (the last line of each "
                "code text names it, so phones offer the code only there)"
            )
        if self.sms_provider == "twilio" and not self.public_url.startswith("https://"):
            raise SettingsError(
                "APP_ENV=production with SMS_PROVIDER=twilio needs PUBLIC_URL, the site's https:// "
                "address: Twilio reports each text's delivery there"
            )

    def _is_link(self, value: str) -> bool:
        return value.startswith("https://") or (not self.production and value.startswith("http://"))

    @property
    def support_link(self) -> str:
        """Where the footer's "Help and contact" goes (empty: nowhere set)."""
        return f"mailto:{self.support_contact}" if _is_email(self.support_contact) else self.support_contact

    def _check_credentials(self) -> None:
        """A provider chosen without its credentials stops start-up, naming what is missing."""
        needed = {
            ("VERIFY_PROVIDER", "authy"): ["AUTHY_API_KEY"],
            ("VERIFY_PROVIDER", "twilio-verify"): [
                "TWILIO_ACCOUNT_SID",
                "TWILIO_AUTH_TOKEN",
                "TWILIO_VERIFY_SERVICE_SID",
            ],
            ("SMS_PROVIDER", "twilio"): ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"],
        }
        for (setting, value), variables in needed.items():
            if getattr(self, setting.lower()) != value:
                continue
            missing = [name for name in variables if not getattr(self, name.lower())]
            if setting == "SMS_PROVIDER" and not (self.twilio_number or self.twilio_messaging_service_sid):
                missing.append("TWILIO_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
            if missing:
                raise SettingsError(f"{setting}={value} needs {', '.join(missing)}")


def warnings(settings: Settings) -> list[str]:
    """What may be meant but is worth a second look: said by `check-config` and at start-up."""
    found = []
    for allowed in settings.metrics_addresses:
        for proxy in settings.trusted_proxies:
            if _overlap(allowed, proxy):
                found.append(
                    f"METRICS_ADDRESSES {allowed} is among TRUSTED_PROXIES {proxy}: only a scrape the proxy "
                    "forwards for an allowed address is answered, so let Prometheus reach the app directly."
                )
    if settings.production and not settings.support_contact:
        found.append(
            "SUPPORT_CONTACT is not set: the footer offers no way to reach a person, and the texts that "
            "tell someone to act at once (a number changed, codes stopped) name only the site."
        )
    if settings.signin_code == "off":
        found.append(
            f"SIGNIN_CODE=off: the password is the only factor, so new passwords need "
            f"{settings.password_min_length} characters (NIST SP 800-63B-4)."
        )
    return found


def _is_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(local and at and "." in domain) and not any(ch.isspace() for ch in value)


def _overlap(one: str, other: str) -> bool:
    first, second = ipaddress.ip_network(one, strict=False), ipaddress.ip_network(other, strict=False)
    return first.version == second.version and first.overlaps(second)


def _one_of(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


def _parse(variable: str, raw: str, kind: object) -> str | int | float | tuple[str, ...]:
    if kind is str:
        return raw
    if kind is int or kind is float:
        try:
            return int(raw) if kind is int else float(raw)
        except ValueError:
            raise SettingsError(f"{variable} must be a number; got {raw!r}") from None
    items = (item.strip() for item in raw.split(","))
    return tuple(item.upper() if variable == "ALLOWED_COUNTRIES" else item for item in items if item)


def load_settings(env_file: str | Path = ".env") -> Settings:
    """Settings from the environment (and `.env`), checked."""
    config = Config(env_file if Path(env_file).exists() else None)
    app_env = config("APP_ENV", default="development")
    _one_of("APP_ENV", app_env, ENVIRONMENTS)
    values: dict[str, object] = {}
    for field in fields(Settings):
        raw = config(field.name.upper(), default=None)
        if raw is not None and field.name not in ("app_secret", "app_env"):
            values[field.name] = _parse(field.name.upper(), raw, field.type)
    secret = config("APP_SECRET", default="") or _development_secret(app_env)
    return Settings(app_secret=secret, app_env=app_env, **values).check()  # type: ignore[arg-type]


def _development_secret(app_env: str) -> str:
    """Production must be given a secret; development makes its own, kept in var/."""
    if app_env != "development":
        raise SettingsError(f"APP_SECRET is required when APP_ENV={app_env}")
    path = Path("var/secret")
    if not path.exists():
        private_folder(path.parent)
        # Written aside, then linked into place: workers starting together all read one secret.
        handle, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret-")  # mode 0600
        with os.fdopen(handle, "w") as file:
            file.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()
