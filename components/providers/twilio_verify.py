"""Twilio Verify v2: Twilio makes, sends and checks the codes, by text, call or WhatsApp
(`Channel`; WhatsApp needs a WhatsApp sender on the Verify service)."""

import httpx

from components.providers.http import ProviderHttp, refusal
from components.providers.interface import (
    Approved,
    Channel,
    CheckOutcome,
    Expired,
    RateLimited,
    Sent,
    StartOutcome,
    TooManyAttempts,
    Unavailable,
    WrongCode,
)
from components.purposes import Purpose
from components.storage.users import User

NOT_FOUND = "20404"  # approved, expired or out of checks
INVALID_PARAMETER = "60200"  # e.g. no verification was ever started for this number
MAX_CHECKS = "60202"


class TwilioVerifyVerifier:
    channels: tuple[Channel, ...] = ("sms", "call", "whatsapp")

    def __init__(
        self, http: ProviderHttp, *, account_sid: str, auth_token: str, service_sid: str, base_url: str
    ) -> None:
        self.http = http
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        self.base = f"{base_url.rstrip('/')}/v2/Services/{service_sid}"

    async def start(self, user: User, channel: Channel, purpose: Purpose | None = None) -> StartOutcome:
        """Within ten minutes Verify sends the same code again rather than a new one."""
        reply = await self.http.call(
            "verification.start",
            "POST",
            f"{self.base}/Verifications",
            retry="rate_limit",
            auth=self.auth,
            data={"To": user.phone, "Channel": channel, "Locale": user.language},  # the text's or the call's language
        )
        return Sent(channel) if reply.ok else refusal(reply)

    async def check(self, user: User, code: str, purpose: Purpose | None = None) -> CheckOutcome:
        reply = await self.http.call(
            "verification.check",
            "POST",
            f"{self.base}/VerificationCheck",
            retry="transient",
            auth=self.auth,
            data={"To": user.phone, "Code": code},
        )
        if reply.ok:  # a wrong code is a 2xx with status "pending"
            return Approved() if reply.body.get("status") == "approved" else WrongCode(attempts_left=None)
        if reply.status == 404 or reply.error_code in (NOT_FOUND, INVALID_PARAMETER):
            return Expired()
        if reply.error_code == MAX_CHECKS:
            return TooManyAttempts()
        if reply.status == 429:
            return RateLimited(reply.retry_after or 60)
        return Unavailable()

    async def cancel(self, user: User, purpose: Purpose | None = None) -> None:
        """The number's pending code stops working (the number stands in for the sid)."""
        await self.http.call(
            "verification.cancel",
            "POST",
            f"{self.base}/Verifications/{user.phone}",
            retry="transient",
            auth=self.auth,
            data={"Status": "canceled"},
        )
