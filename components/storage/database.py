"""Tables, connection and schema migrations.

Writes are single atomic statements (conditional UPDATE, INSERT .. ON CONFLICT,
DELETE .. RETURNING). Where a change and the text it causes must stand or fall
together, `transaction()` wraps them: on SQLite it holds the process's one
writer from BEGIN IMMEDIATE (a plain BEGIN, as `databases` issues, fails with
"database is locked" under load when a read turns into a write).
"""

import asyncio
import fcntl
import logging
import sqlite3
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from anyio import to_thread
from databases import Database
from sqlalchemy.schema import CreateIndex, CreateTable

from components.forms import mailbox
from components.private_files import create_private, open_private
from components.storage.prepared import dialect_module, insert_for
from components.storage.sqlite_pool import SQLiteDatabase

log = logging.getLogger(__name__)
MIGRATION_LOCK_KEY = 0x61762D6D  # any number the instances agree on

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

# Times are UNIX seconds (float): they compare the same way on SQLite and PostgreSQL.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(100), nullable=False),
    sa.Column("phone", sa.String(16), nullable=False),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("code_sent_at", sa.Float),
    sa.Column("verified_at", sa.Float),
    # Wrong codes since the last send, and in a row across sends (reset by a right one).
    sa.Column("code_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("failed_checks", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
    # Bumped at "sign out everywhere" and at a password change: pending sign-ins
    # and remembered browsers issued before it stop working.
    sa.Column("session_version", sa.Integer, nullable=False, server_default="0"),
    # What the live code is for ('signup', 'signin', 'reset', 'number'; 'password': a reset's
    # code was right, a new password may be chosen): one at a time per account, so the send
    # and try counters above belong to it. NULL: nothing is waiting.
    sa.Column("challenge", sa.String(16)),
    # A send under way until then (no other may start); only a send the provider
    # accepted sets code_sent_at, so a crash mid-send never reads as "sent".
    sa.Column("sending_until", sa.Float),
    # Where a code for a new number goes, until it is right (the number on the account stays till then).
    sa.Column("challenge_phone", sa.String(16)),
    sa.Column("challenge_country", sa.String(2)),
    # The language the account signed up in: every text it gets is in it.
    sa.Column("language", sa.String(8), nullable=False, server_default="en"),
    # One account per mailbox whatever the case it was typed in (forms.mailbox: Python's
    # lower(), the same on both databases); the email itself is kept as typed.
    sa.Column("email_folded", sa.String(254), nullable=False, server_default=""),
    sa.Index("ix_users_mailbox", "email_folded", unique=True),
    # A new number whose code was right, waiting to replace the current one, which can no
    # longer get texts: at `number_change_at`, unless the current number cancels it first.
    sa.Column("number_change_phone", sa.String(16)),
    sa.Column("number_change_country", sa.String(2)),
    sa.Column("number_change_at", sa.Float, index=True),
    # What apps that sign in here know the account by (OpenID Connect's `sub`): random, made
    # at its first sign-in to one, never changed; not the id, which counts accounts.
    # Unique (ix_users_subject): made by its migration, not here, as earlier migrations create
    # this table's indexes from the newest schema, before the column exists.
    sa.Column("subject", sa.String(32)),
    # The WebAuthn user handle of the account's passkeys: random, made with its first passkey
    # (never the id or the email, which an authenticator may show or keep). Unique, as `subject`.
    sa.Column("passkey_handle", sa.String(64)),
    sqlite_autoincrement=True,  # ids are never reused, so nothing left behind can match a new account
)
# Housekeeping purges signups never finished: the few among a million accounts, without reading the rest.
sa.Index(
    "ix_users_unverified",
    users.c.created_at,
    sqlite_where=users.c.verified_at.is_(None),
    postgresql_where=users.c.verified_at.is_(None),
)

# A signed-in browser (or one whose signup this is). The cookie holds the token;
# only its hash is kept, so a copy of the table opens no session. Deleting the
# row ends that session, and every copy of its cookie with it.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    # For the owner's devices page (components/flows/devices.py); empty for rows from before it.
    sa.Column("public_id", sa.String(24)),  # names the row in a form: the token's hash is never shown
    sa.Column("signed_in_at", sa.Float),  # the sign-in's time, kept when the token changes
    sa.Column("seen_at", sa.Float),  # written at most every SEEN_EVERY seconds, not on every request
    sa.Column("device", sa.String(60)),
    sa.Column("network", sa.String(50)),
    sa.Column("method", sa.String(20)),  # how it signed in: RFC 8176 names, space-separated, or "signup"
)

# One live code per signup (local provider); a new code replaces the row.
pending_codes = sa.Table(
    "pending_codes",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
)

# A password reset's code (local codes), apart from the code the account waits for
# (`pending_codes`): a reset someone else asked for never replaces the owner's code.
# Its tries are counted by rate limits per session and per email (flows/reset.py),
# not here: strangers' wrong guesses must not kill the owner's code.
reset_codes = sa.Table(
    "reset_codes",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code_hash", sa.String(64), nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

# The Authy id registered for a signup, and the number it was registered with.
authy_users = sa.Table(
    "authy_users",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("authy_id", sa.BigInteger, nullable=False),
    sa.Column("phone", sa.String(16), nullable=False),
)

# Every rate limit is one row of fixed size, whatever it allows: GCRA's one time, and the
# limit's step and window in the same units (storage/limits.py explains).
rate_limits = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("key", sa.String(160), primary_key=True),
    sa.Column("empty_at", sa.BigInteger, nullable=False, index=True),  # UNIX µs; housekeeping purges by it
    sa.Column("step", sa.BigInteger, nullable=False),
    sa.Column("span", sa.BigInteger, nullable=False),  # the window
)

# Wrong passwords in a row for an email (keyed by its HMAC, so emails typed by
# visitors who have no account are not kept); a right password clears it.
password_failures = sa.Table(
    "password_failures",
    metadata,
    sa.Column("email_key", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("last_failed_at", sa.Float, nullable=False, index=True),
)

# Codes sent (by text) and verified, per number range and per country, a row a
# minute: what the pumping guard judges conversion by.
conversions = sa.Table(
    "conversions",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("minute", sa.Float, primary_key=True),
    sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("verified", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_conversions_minute", "minute"),
)

# Texts paused to a number range or a country, until then.
send_pauses = sa.Table(
    "send_pauses",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("until", sa.Float, nullable=False),
)

ERROR_CODE_LENGTH = 10  # Twilio's are five digits

# Every text the app sends or has sent, while it matters. Texts that are no code
# (a confirmation, a notice) are written here with their body in the same
# transaction as the change that causes them, and sent by the outbox
# (components/flows/outbox.py): 'waiting' until a provider takes them. A code's text is
# recorded once sent, without its body, to show its delivery on the code step.
# `rank` orders statuses so a late callback never overwrites a later one.
messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True),
    sa.Column("kind", sa.String(10), nullable=False),  # 'code' or 'text'
    sa.Column("channel", sa.String(10), nullable=False, server_default="sms"),  # a code's: sms or call
    sa.Column("to_number", sa.String(16), nullable=False),
    sa.Column("body", sa.Text),  # a text's, until a provider takes it; never a code's
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("rank", sa.Integer, nullable=False),
    sa.Column("provider_sid", sa.String(64), unique=True),
    sa.Column("error_code", sa.String(ERROR_CODE_LENGTH)),  # longer ones are cut (storage/messages.py)
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float),
    sa.Column("claimed_until", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Column("updated_at", sa.Float, nullable=False),
    sa.Index("ix_messages_due", "status", "next_attempt_at"),
    sqlite_autoincrement=True,
)

# An app that signs its users in here (OpenID Connect: components/oidc/). Its secret is 32
# random bytes, kept as SHA-256 like a session's token (a slow hash guards guessable
# secrets, not random ones, and would cost the token endpoint a bcrypt per call).
# Addresses are JSON lists, matched exactly.
oauth_clients = sa.Table(
    "oauth_clients",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("secret_hash", sa.String(64)),  # NULL: a public client (it proves itself with PKCE)
    sa.Column("redirect_uris", sa.Text, nullable=False),
    sa.Column("post_logout_redirect_uris", sa.Text, nullable=False),
    sa.Column("backchannel_logout_uri", sa.Text),
    sa.Column("first_party", sa.Boolean, nullable=False),  # its users are not asked to allow it
    sa.Column("id_token_alg", sa.String(8), nullable=False),  # RS256, or ES256 if it asked
    sa.Column("created_at", sa.Float, nullable=False),
)

# An app's request to sign a visitor in, kept while they sign in or sign up (the session
# holds its key; the row, its SHA-256): never in an address the visitor could edit.
authorization_requests = sa.Table(
    "authorization_requests",
    metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), sa.ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # the request as checked (JSON)
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

# What an account allowed an app, until it removes it (first-party apps: allowed without asking).
oauth_consents = sa.Table(
    "oauth_consents",
    metadata,
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "client_id", sa.String(64), sa.ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

# One sign-in of an account to an app: its authorization code (SHA-256, once) and, through
# `oauth_tokens`, every token it led to. Deleting the grant revokes them all at once.
oauth_grants = sa.Table(
    "oauth_grants",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("client_id", sa.String(64), sa.ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("scope", sa.Text, nullable=False),
    sa.Column("nonce", sa.Text),
    sa.Column("redirect_uri", sa.Text, nullable=False),
    sa.Column("code_challenge", sa.String(128)),
    sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("code_expires_at", sa.Float, nullable=False),
    sa.Column("code_used", sa.Boolean, nullable=False),
    sa.Column("auth_time", sa.Float, nullable=False),
    sa.Column("amr", sa.String(40), nullable=False),  # RFC 8176 values, space-separated
    # The code's expiry: after it, a grant with no token left is purged.
    sa.Column("expires_at", sa.Float, nullable=False),
)

# Housekeeping finds grants whose code expired unused by it (the others go with their last
# token), written as the purge's condition is, so that each database sees it is the same.
sa.Index(
    "ix_oauth_grants_unredeemed",
    oauth_grants.c.expires_at,
    sqlite_where=sa.not_(oauth_grants.c.code_used),
    postgresql_where=sa.not_(oauth_grants.c.code_used),
)

# Access and refresh tokens: opaque, kept as SHA-256. A refresh token is `used` once
# rotated: shown again, it revokes its grant (a stolen copy and its owner cannot both go on).
oauth_tokens = sa.Table(
    "oauth_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("grant_id", sa.String(32), sa.ForeignKey("oauth_grants.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # 'access' or 'refresh'
    sa.Column("expires_at", sa.Float, nullable=False),
    sa.Column("used", sa.Boolean, nullable=False),
    sa.Index("ix_oauth_tokens_grant_id", "grant_id"),
    sa.Index("ix_oauth_tokens_expires_at", "expires_at"),  # housekeeping purges by it
)

# Back-channel logouts owed to apps (OpenID Connect Back-Channel Logout 1.0): written in the
# same transaction as the change that ends the account's sign-ins (sign out everywhere, a
# new password, closing it), posted by the outbox (flows/backchannel.py) until an app takes
# one. The token is signed when posted, so nothing here signs anyone out by itself.
logout_notices = sa.Table(
    "logout_notices",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("client_id", sa.String(64), sa.ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), nullable=False),
    sa.Column("subject", sa.String(32), nullable=False),  # the account's `sub`: it may be closed by the time
    sa.Column("status", sa.String(8), nullable=False),  # 'waiting', 'sent' or 'failed'
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", sa.Float, nullable=False),
    sa.Column("claimed_until", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
    sa.Index("ix_logout_notices_due", "status", "next_attempt_at"),
    sqlite_autoincrement=True,
)

# Passkeys (WebAuthn discoverable credentials): the public key only; the private one never
# leaves the authenticator. `sign_count` is the authenticator's counter as last seen (0: it
# does not count); `backed_up`: a synced passkey (RFC 8176's swk), else a device-bound one (hwk).
passkeys = sa.Table(
    "passkeys",
    metadata,
    sa.Column("credential_id", sa.String(1400), primary_key=True),  # base64url; unique across accounts
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("public_key", sa.Text, nullable=False),  # COSE, base64url
    sa.Column("sign_count", sa.BigInteger, nullable=False),
    sa.Column("backed_up", sa.Boolean, nullable=False),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float),
)

# "Don't ask for a code on this browser": the signed cookie names its row, so the owner can
# see each one and forget it (components/remembered_browsers.py).
remembered_browsers = sa.Table(
    "remembered_browsers",
    metadata,
    sa.Column("id", sa.String(24), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("device", sa.String(60), nullable=False),
    sa.Column("network", sa.String(50), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("used_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),  # housekeeping purges by it
)

# An account's security events, for its owner (components/flows/activity.py): kept
# ACTIVITY_DAYS, gone with the account. Refused passwords are one row a day, counted.
activity = sa.Table(
    "activity",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.Float, nullable=False, index=True),  # housekeeping purges by it
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("device", sa.String(60), nullable=False, server_default=""),
    sa.Column("network", sa.String(50), nullable=False, server_default=""),
    sa.Column("detail", sa.String(100), nullable=False, server_default=""),  # a passkey's or an app's name
    sa.Column("count", sa.Integer, nullable=False, server_default="1"),
    # The account's page reads its newest events: by account, then time.
    sa.Index("ix_activity_user_at", "user_id", "at"),
)

# A WebAuthn challenge, made here, bound to the browser's session that asked for it, used once
# (deleted as it is checked) and for a few minutes at most.
passkey_challenges = sa.Table(
    "passkey_challenges",
    metadata,
    sa.Column("challenge", sa.String(128), primary_key=True),  # base64url: worthless without the session's key
    sa.Column("session_key", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(12), nullable=False),  # 'register', 'signin' or 'reauth'
    # Indexed: deleting an account finds its challenges by it (else each deletion reads them all).
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), index=True),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

# The keys ID tokens are signed with, their private part encrypted with APP_SECRET
# (oidc/keys.py). Each algorithm's generations count up: the newest whose time has come
# signs; every key still published verifies.
signing_keys = sa.Table(
    "signing_keys",
    metadata,
    sa.Column("kid", sa.String(64), primary_key=True),
    sa.Column("alg", sa.String(8), nullable=False),
    sa.Column("generation", sa.Integer, nullable=False),
    sa.Column("private_key", sa.Text, nullable=False),
    sa.Column("signs_from", sa.Float, nullable=False),
    # One key per generation: instances that start together create one first key between them.
    sa.UniqueConstraint("alg", "generation", name="uq_signing_keys_generation"),
)

# Retired in version 2 (fixed windows allowed bursts at their edges); kept here
# only because version 1 created it.
_rate_counters = sa.Table(
    "rate_counters",
    sa.MetaData(),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("window_start", sa.Float, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Index("ix_rate_counters_window_start", "window_start"),
)


def _created(*tables: sa.Table) -> list[sa.schema.ExecutableDDLElement]:
    return [
        *(CreateTable(table, if_not_exists=True) for table in tables),
        *(CreateIndex(index, if_not_exists=True) for table in tables for index in table.indexes),
    ]


class AddColumn:
    """ALTER TABLE … ADD COLUMN, where the column is still missing (a new database
    already has it: the tables above are always the newest schema)."""

    def __init__(self, table: sa.Table, name: str):
        self.table, self.column = table, table.c[name]

    async def run(self, db: Database) -> None:
        if db.url.dialect == "sqlite":
            found = "SELECT 1 FROM pragma_table_info(:table) WHERE name = :column"
        else:
            found = "SELECT 1 FROM information_schema.columns WHERE table_name = :table AND column_name = :column"
        if await db.fetch_val(sa.text(found).bindparams(table=self.table.name, column=self.column.name)):
            return
        spec = sa.schema.CreateColumn(self.column).compile(dialect=_dialect(db))
        await db.execute(sa.text(f"ALTER TABLE {self.table.name} ADD COLUMN {spec}"))


class WidenColumn:
    """A text column made longer, where the database holds it to its length (PostgreSQL;
    SQLite keeps any length), to the length the tables above give it."""

    def __init__(self, table: sa.Table, name: str):
        self.table, self.column = table, table.c[name]

    async def run(self, db: Database) -> None:
        if db.url.dialect != "sqlite":
            kind = self.column.type.compile(dialect=_dialect(db))
            await db.execute(sa.text(f"ALTER TABLE {self.table.name} ALTER COLUMN {self.column.name} TYPE {kind}"))


class FoldEmails:
    """Each account's mailbox, folded in Python (forms.mailbox). SQLite's lower() let
    "Émile@…" and "émile@…" be two accounts, and the first could never sign in: of
    two that fold alike, a signup still waiting for its code gives way; of two
    verified ones, the later keeps its email but no mailbox anyone can type (it
    could not sign in before either), and the log names both for an operator."""

    async def run(self, db: Database) -> None:
        rows = await db.fetch_all(sa.select(users.c.id, users.c.email, users.c.verified_at).order_by(users.c.id))
        taken: dict[str, int] = {}
        for row in sorted(rows, key=lambda row: (row["verified_at"] is None, row["id"])):
            folded = mailbox(row["email"])
            if folded not in taken:
                taken[folded] = row["id"]
            elif row["verified_at"] is None:
                await db.execute(users.delete().where(users.c.id == row["id"]))
                continue
            else:
                log.warning("accounts %s and %s share a mailbox: %s keeps it", taken[folded], row["id"], taken[folded])
                folded = f"{folded} #{row['id']}"  # no email has a space: nobody types this
            await db.execute(users.update().where(users.c.id == row["id"]).values(email_folded=folded))


# Each entry moves the schema one version forward, and only adds what is missing,
# so any database ends with the tables above. Once released, an entry is never edited.
MIGRATIONS: list[list[Any]] = [
    _created(users, pending_codes, authy_users, _rate_counters),
    [
        AddColumn(users, "challenge"),
        users.update().where(users.c.verified_at.is_(None)).values(challenge="signup"),
        *_created(sessions, rate_limits, password_failures),
        sa.text("DROP TABLE IF EXISTS rate_counters"),
    ],
    [
        # Signups waiting for a code that differ from another account only in case give way.
        sa.text(
            "DELETE FROM users WHERE verified_at IS NULL AND EXISTS (SELECT 1 FROM users other"
            " WHERE lower(other.email) = lower(users.email) AND other.id <> users.id"
            " AND (other.verified_at IS NOT NULL OR other.id < users.id))"
        ),
        # The index of that day (the next but five drops it for a column of its own).
        sa.text("CREATE UNIQUE INDEX IF NOT EXISTS ix_users_email_folded ON users (lower(email))"),
    ],
    [AddColumn(users, "sending_until")],
    _created(conversions, send_pauses),
    [AddColumn(users, "challenge_phone"), AddColumn(users, "challenge_country")],
    _created(messages),
    [AddColumn(users, "language")],
    [
        AddColumn(users, "email_folded"),
        FoldEmails(),
        sa.text("DROP INDEX IF EXISTS ix_users_email_folded"),
        *_created(users),
    ],
    _created(reset_codes),
    [
        AddColumn(users, "number_change_phone"),
        AddColumn(users, "number_change_country"),
        AddColumn(users, "number_change_at"),
        *_created(users),
        WidenColumn(users, "challenge"),  # "current-number" and "number-later" are longer than 10
    ],
    [
        AddColumn(users, "subject"),
        sa.text("CREATE UNIQUE INDEX IF NOT EXISTS ix_users_subject ON users (subject)"),
        *_created(oauth_clients, authorization_requests, oauth_consents, oauth_grants, oauth_tokens, signing_keys),
        *_created(logout_notices),
    ],
    [
        AddColumn(users, "passkey_handle"),
        sa.text("CREATE UNIQUE INDEX IF NOT EXISTS ix_users_passkey_handle ON users (passkey_handle)"),
        *_created(passkeys, passkey_challenges),
    ],
    [
        *(AddColumn(sessions, name) for name in ("public_id", "signed_in_at", "seen_at", "device", "network")),
        AddColumn(sessions, "method"),
        # Ending one browser's session from another names it by this.
        sa.text("CREATE UNIQUE INDEX IF NOT EXISTS ix_sessions_public_id ON sessions (public_id)"),
        *_created(remembered_browsers, activity),
    ],
    [AddColumn(messages, "channel")],
    [
        # A limit's row held a time for each of its events (a limit of a million: 10 MB
        # rewritten per event); GCRA's one time replaces it. Counts start afresh.
        sa.text("DROP TABLE IF EXISTS rate_limits"),
        *_created(rate_limits),
        *_created(users, oauth_tokens, passkey_challenges, oauth_grants),  # indexes: why, at each
        sa.text("DROP INDEX IF EXISTS ix_oauth_grants_expires_at"),  # read every grant: replaced just above
    ],
]


def database_for(url: str, timeout: float = 5.0) -> Database:
    """No wait on the database outlasts `timeout` seconds: connecting, each statement,
    or (SQLite) another process's write lock."""
    if url.startswith("sqlite"):
        # Password hashes and personal data: owner-only (SQLite's -wal and -shm files follow the file's mode).
        create_private(Path(sa.engine.make_url(url).database or ""))
        return SQLiteDatabase(url, timeout=timeout)
    return PostgresDatabase(url, timeout=timeout, command_timeout=timeout)


class PostgresDatabase(Database):
    """Statements compiled once per shape (storage/compiled.py), as on SQLite."""

    SUPPORTED_BACKENDS = {
        **Database.SUPPORTED_BACKENDS,
        "postgresql": "components.storage.postgres:CachedPostgresBackend",
    }

    async def changed(self, query: Any) -> int:
        """The rows a write changed (`deleted`), on the task's connection (in its transaction too)."""
        async with self.connection() as connection, connection._query_lock:
            backend: Any = connection._connection  # storage/postgres.py's
            return int(await backend.changed(query))


def transaction(db: Database) -> AbstractAsyncContextManager[object]:
    """Statements that stand or fall together (on SQLite, holding the process's one writer)."""
    return db.write_transaction() if isinstance(db, SQLiteDatabase) else db.transaction()


async def deleted(db: Database, statement: Any) -> int:
    """How many rows a DELETE removed, as the database counts them. Not DELETE .. RETURNING:
    on SQLite the write lock stays held while Python takes each returned row, and in a busy
    process each row waits up to 5 ms for the GIL (a purge's 50 rows held it 157 ms under
    load; bench/README.md)."""
    return await cast(SQLiteDatabase | PostgresDatabase, db).changed(statement)


async def checkpoint(db: Database) -> None:
    """On SQLite, what the last writes put in the WAL copied into the file now, beside the
    writer. Once the WAL is all copied, the writer's next write starts it over; a stream of
    writes that never lets it (a purge's batches) fills it to WRITER_CHECKPOINT_PAGES, and
    then a commit stops to copy it while every write waits (storage/sqlite_pool.py). On
    PostgreSQL, nothing: its own checkpointer works apart from every connection."""
    if isinstance(db, SQLiteDatabase):
        await db.checkpoint()


def is_database_fault(error: BaseException) -> bool:
    """The database failed, not the request: refused, reset, gone, full, or locked."""
    if isinstance(error, (sqlite3.Error, OSError)):
        return True
    asyncpg = sys.modules.get("asyncpg")  # loaded only with PostgreSQL (2.5 MB a worker otherwise)
    return asyncpg is not None and isinstance(error, (asyncpg.PostgresError, asyncpg.InterfaceError))


def _dialect(db: Database) -> sa.engine.Dialect:
    return cast(sa.engine.Dialect, dialect_module(db.url.dialect).dialect())


def insert(db: Database, table: sa.Table) -> Any:
    """An INSERT that knows ON CONFLICT, for the database in use."""
    return insert_for(db.url.dialect)(table)


async def migrate(db: Database) -> int:
    """Bring the schema to the newest version; safe to run at every start,
    by several instances at once."""
    async with _one_migrator_at_a_time(db):
        await db.execute(CreateTable(schema_version, if_not_exists=True))
        await db.execute(sa.text("INSERT INTO schema_version (id, version) VALUES (1, 0) ON CONFLICT (id) DO NOTHING"))
        current = await db.fetch_val(sa.select(schema_version.c.version))
        for version, statements in enumerate(MIGRATIONS[current:], start=current + 1):
            for statement in statements:
                await (
                    statement.run(db)
                    if isinstance(statement, AddColumn | WidenColumn | FoldEmails)
                    else db.execute(statement)
                )
            await db.execute(
                schema_version.update().where(schema_version.c.version == version - 1).values(version=version)
            )
    return len(MIGRATIONS)


async def schema_is_current(db: Database) -> bool:
    """The database answers, and its schema is the newest this code knows."""
    return bool(await db.fetch_val(sa.select(schema_version.c.version)) == len(MIGRATIONS))


@asynccontextmanager
async def _one_migrator_at_a_time(db: Database) -> AsyncIterator[None]:
    """Instances that start together would otherwise create the same tables
    at once and fail ("database is locked", or a duplicate key in pg_type)."""
    if db.url.dialect == "postgresql":
        async with db.transaction():  # DDL is transactional here: the lock covers it all
            await db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=MIGRATION_LOCK_KEY))
            yield
        return
    # SQLite lives on one machine, so a lock file next to it is seen by every process.
    with open_private(Path(f"{db.url.database}.migration-lock")) as lock:
        await to_thread.run_sync(fcntl.flock, lock, fcntl.LOCK_EX)
        # WAL lets readers work beside the one writer; the setting sticks to the file.
        await db.execute("PRAGMA journal_mode=WAL")
        yield  # closing the file releases the lock


@asynccontextmanager
async def connected(url: str, timeout: float = 5.0) -> AsyncIterator[Database]:
    """A connected database with the newest schema, closed on the way out."""
    db = database_for(url, timeout)
    await db.connect()
    try:
        await migrate(db)
        yield db
    finally:
        await _disconnect(db, timeout)


async def _disconnect(db: Database, timeout: float) -> None:
    """Connections that died with the server are let go of: stopping never hangs on them."""
    try:
        async with asyncio.timeout(timeout):
            await db.disconnect()
    except Exception as error:
        if not (isinstance(error, TimeoutError) or is_database_fault(error)):
            raise
        log.warning("database connections not closed cleanly: %s", type(error).__name__)
