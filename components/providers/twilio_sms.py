"""Text messages through Twilio's Messages API (2010-04-01)."""

import httpx

from components.providers.http import ProviderHttp, refusal
from components.providers.interface import Message, SendFailed


class TwilioSender:
    can_call = False  # the Messages API only texts

    def __init__(
        self, client: httpx.AsyncClient, *, account_sid: str, auth_token: str, base_url: str,
        from_number: str = "", messaging_service_sid: str = "",
    ):
        self.http = ProviderHttp(client, "twilio-messages")
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self.auth = httpx.BasicAuth(account_sid, auth_token)
        # A Messaging Service picks the sender itself; otherwise our own number sends.
        self.sender = {"MessagingServiceSid": messaging_service_sid} if messaging_service_sid else {"From": from_number}

    async def send(self, message: Message) -> None:
        if message.channel != "sms":
            raise SendFailed("twilio-messages cannot place calls")
        reply = await self.http.call(
            "messages.create", "POST", self.url, retry="rate_limit", auth=self.auth,
            data={"To": message.to, "Body": message.body, **self.sender},
        )
        if reply.status != 201:
            raise SendFailed(f"twilio-messages answered {reply.status} {reply.error_code}", refusal(reply))
