"""Text messages through Twilio's Messages API (2010-04-01), each asking for
status callbacks at the app's webhook when it has a public address."""

import asyncio

import httpx

from components.providers.http import ProviderHttp, Sleep, refusal
from components.providers.interface import Message, Receipt, SendFailed


class TwilioSender:
    can_call = False  # the Messages API only texts

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
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        # A Messaging Service picks the sender itself; otherwise our own number sends.
        self.sender = {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": from_number}
        # Twilio cannot call an address it cannot reach: without PUBLIC_URL, no callbacks.
        self.callback = {"StatusCallback": status_callback} if status_callback else {}

    async def send(self, message: Message) -> Receipt:
        if message.channel != "sms":
            raise SendFailed("twilio-messages cannot place calls", may_retry=False)
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
