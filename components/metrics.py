"""What operators count and time, in Prometheus' terms (`GET /metrics`).

prometheus-client's multiprocess mode: every process writes its samples to
files in PROMETHEUS_MULTIPROC_DIR (default `var/metrics`), and a scrape sums
them all, so the numbers are right with several workers and survive a
worker's restart. `python app.py` empties the folder when it starts (a new
server starts its counters at zero, as Prometheus expects). The variable must
be set before prometheus_client is first imported, hence here.

Labels never carry a number, an email or an address: a country code, a
channel, an outcome, a route template.
"""

import os
from pathlib import Path

from components.private_files import private_folder

FOLDER = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path("var/metrics").resolve())))

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

SIGNUPS = Counter("av_signups_total", "Signups started (new accounts) and resumed.", ["kind"])
CODES_SENT = Counter(
    "av_codes_sent_total",
    "Codes asked for, by channel, outcome and destination country.",
    ["channel", "outcome", "country"],
)
DELIVERIES = Counter(
    "av_deliveries_total",
    "Texts and calls whose end a provider reported (status callbacks), by channel and final status.",
    ["channel", "status"],
)
CHECKS = Counter("av_code_checks_total", "Codes entered, by outcome.", ["outcome"])
REFUSALS = Counter("av_refusals_total", "Requests a limit refused, by limit.", ["limit"])
VERIFIED = Counter(
    "av_codes_verified_total", "Right codes, by purpose and country (÷ codes sent: conversion).", ["purpose", "country"]
)
SIGNINS = Counter("av_signins_total", "Sign-in attempts, by outcome.", ["outcome"])
TEXTS = Counter("av_texts_total", "Confirmation and notice texts from the outbox, by outcome.", ["outcome"])
PASSKEYS = Counter(
    "av_passkeys_total",
    "Passkey ceremonies, by ceremony (register, signin, remove) and outcome.",
    ["ceremony", "outcome"],
)
DEVICES = Counter(
    "av_devices_total",
    "Sign-ins from browsers new to the account (each texted) and browsers ended from the devices page.",
    ["event"],
)
OIDC_AUTHORIZATIONS = Counter(
    "av_oidc_authorizations_total", "Apps' sign-in requests answered: a code, or an error.", ["outcome"]
)
OIDC_TOKENS = Counter(
    "av_oidc_token_requests_total",
    "Token endpoint requests, by grant type and outcome (code replays and refresh-token reuse included).",
    ["grant_type", "outcome"],
)
OIDC_BACKCHANNEL = Counter(
    "av_oidc_backchannel_logouts_total", "Back-channel logouts posted to apps, by outcome.", ["outcome"]
)
OIDC_CLIENT_AUTH_FAILURES = Counter(
    "av_oidc_client_auth_failures_total", "Apps that failed to prove themselves, by method.", ["method"]
)
PROVIDER_SECONDS = Histogram(
    "av_provider_request_seconds",
    "Calls to providers, by provider, operation and HTTP status (none: no answer).",
    ["provider", "operation", "status"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8),
)
HTTP_SECONDS = Histogram(
    "av_http_request_seconds",
    "Requests answered, by route, method and status.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def scrape() -> bytes:
    """Every process's samples, summed, in the text format."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(FOLDER))  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def make_room() -> None:
    """The folder the samples go to (owner-only), before the first one is counted."""
    private_folder(FOLDER)


def start_afresh() -> None:
    """A new server's counters start at zero: the samples of earlier runs go."""
    make_room()
    for stale in FOLDER.glob("*.db"):
        stale.unlink(missing_ok=True)
