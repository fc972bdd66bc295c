"""Texts through Twilio's Messages API and calls through its Calls API (2010-04-01), each
asking for status callbacks at the app's webhook when it has a public address.

A call reads the code and nothing else (inline TwiML, never a URL of ours it would fetch):
the sentence the account's language says it in (components/providers/local.py), digit by
digit, by a voice of that language, after a pause so the phone is at the ear.
"""

import asyncio
from xml.sax.saxutils import escape, quoteattr

import httpx

from components.providers.http import ProviderHttp, Sleep, refusal
from components.providers.interface import Message, Receipt, SendFailed

# <Say>'s language and an Amazon Polly voice that speaks it (Twilio's basic voices have no Arabic).
VOICES = {"en": ("en-US", "Polly.Joanna"), "es": ("es-ES", "Polly.Lucia"), "fr": ("fr-FR", "Polly.Lea")}
VOICES["ar"] = ("arb", "Polly.Zeina")
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]  # a field each: what Twilio reports of a call


def twiml(message: Message) -> str:
    """What the call says: a second's pause, then the sentence (which says the code twice)."""
    language, voice = VOICES.get(message.language, VOICES["en"])
    said = escape(message.body)
    return (
        f'<Response><Pause length="1"/><Say language={quoteattr(language)} voice={quoteattr(voice)}>{said}</Say>'
        "</Response>"
    )


class TwilioSender:
    can_call: bool  # a call comes from our own number (a Messaging Service only texts)

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        account_sid: str,
        auth_token: str,
        base_url: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        status_callback: str = "",
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.http = ProviderHttp(client, "twilio-messages", sleep=sleep)
        self.calls = ProviderHttp(client, "twilio-calls", sleep=sleep)
        account = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}"
        self.url, self.calls_url = f"{account}/Messages.json", f"{account}/Calls.json"
        self.from_number = from_number
        self.can_call = bool(from_number)
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        # A Messaging Service picks the sender itself; otherwise our own number sends.
        self.sender = {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": from_number}
        # Twilio cannot call an address it cannot reach: without PUBLIC_URL, no callbacks.
        self.callback = {"StatusCallback": status_callback} if status_callback else {}

    async def send(self, message: Message) -> Receipt:
        if message.channel == "call":
            return await self._call(message)
        reply = await self.http.call(
            "messages.create",
            "POST",
            self.url,
            retry="rate_limit",
            auth=self.auth,
            data={"To": message.to, "Body": message.body, **self.sender, **self.callback},
        )
        if reply.status != 201:
            raise SendFailed(
                f"twilio-messages answered {reply.status} {reply.error_code}", refusal(reply), may_retry=reply.transient
            )
        return Receipt(
            str(reply.body.get("sid", "")), str(reply.body.get("status", "queued")), followed=bool(self.callback)
        )

    async def _call(self, message: Message) -> Receipt:
        if not self.can_call:
            raise SendFailed("twilio-calls needs TWILIO_NUMBER to call from", may_retry=False)
        events: dict[str, str | list[str]] = {"StatusCallbackEvent": CALL_EVENTS} if self.callback else {}
        asked = {"To": message.to, "From": self.from_number, "Twiml": twiml(message), **self.callback, **events}
        reply = await self.calls.call(
            "calls.create", "POST", self.calls_url, retry="rate_limit", auth=self.auth, data=asked
        )
        if reply.status != 201:
            raise SendFailed(
                f"twilio-calls answered {reply.status} {reply.error_code}", refusal(reply), may_retry=reply.transient
            )
        return Receipt(
            str(reply.body.get("sid", "")), str(reply.body.get("status", "queued")), followed=bool(self.callback)
        )
