"""A loopback stand-in for Authy, Twilio Messages and Calls, and Twilio Verify v2.

Strict where the real APIs are documented (auth, encodings, limits, error
envelopes), and every Twilio request is checked against Twilio's OpenAPI specs.
Faults (latency, 5xx, 429 with Retry-After, blocked destinations) can be
queued per operation, so the app's handling of each can be tested.
"""

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from providers import contract

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
VERIFY_TTL = 600
VERIFY_MAX_CHECKS = 5
VERIFY_MAX_SENDS = 5
AUTHY_TOKEN_DIGITS = 7  # Authy's default SMS token length (not 6: the app must not assume)

# A few of the languages Verify writes its texts in (an unknown Locale is 60200).
VERIFY_LOCALES = {"ar", "de", "en", "es", "fr", "it", "ja", "nl", "pt", "zh"}


@dataclass
class Fault:
    status: int = 0  # 0: answer normally (after the delay)
    code: str = ""
    retry_after: int | None = None
    delay: float = 0.0


@dataclass
class Callback:
    """A status callback Twilio would POST to the StatusCallback URL, signed."""

    url: str
    params: dict[str, str]
    signature: str


@dataclass
class Verification:
    sid: str
    to: str
    code: str
    created: float
    channel: str
    checks: int = 0


@dataclass
class Text:
    """What reached the phone: a text or a call."""

    provider: str
    to: str
    body: str
    channel: str = "sms"
    locale: str | None = None  # the language Verify or Authy was asked to write it in


class FakeProviders:
    def __init__(self):
        self.authy_key = "authy-test-key"
        self.account_sid = "AC" + "1" * 32
        self.auth_token = "twilio-test-token"
        self.service_sid = "VA" + "2" * 32
        self.reset()

    def reset(self) -> None:
        self.now = time.time
        self.texts: list[Text] = []
        self.calls: list[tuple[str, str]] = []  # (operation, method + path), in order
        self.violations: list[str] = []
        self.faults: dict[str, list[Fault]] = {}
        self.blocked: set[str] = set()  # destinations refused (Fraud Guard, STOP, geo)
        self.landlines: set[str] = set()  # numbers that cannot receive texts
        self.unreachable: set[str] = set()  # texts taken, then not delivered (30003)
        self.busy: set[str] = set()  # calls that find the line busy
        self.unanswered: set[str] = set()  # calls nobody answers
        self.no_whatsapp: set[str] = set()  # numbers WhatsApp does not know
        self.callbacks: list[Callback] = []  # for tests to post to the app, in any order, any number of times
        self.authy_ids: dict[str, int] = {}  # E.164 -> id
        self.authy_tokens: dict[int, str] = {}
        self.authy_used: set[tuple[int, str]] = set()
        self.verifications: dict[str, Verification] = {}
        self.verify_sends: dict[str, list[float]] = {}
        self.exhausted: dict[str, bool] = {}  # out of checks: the next check gets 60202

    # What tests read and set ---------------------------------------------------

    def fail(self, operation: str, *faults: Fault) -> None:
        self.faults.setdefault(operation, []).extend(faults)

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)

    def sent_to(self, to: str) -> list[Text]:
        return [text for text in self.texts if text.to == to]

    def last_code(self, to: str) -> str:
        codes = [re.findall(r"\d{4,}", text.body.replace(", ", "")) for text in self.sent_to(to)]
        codes = [found[0] for found in codes if found]
        assert codes, f"no code reached {to}"
        return codes[-1]

    # Plumbing ----------------------------------------------------------------------

    async def _begin(self, operation: str, request: Request) -> Response | None:
        """Record the call and play any queued fault; a Response ends the request."""
        self.calls.append((operation, f"{request.method} {request.url.path}"))
        queued = self.faults.get(operation)
        fault = queued.pop(0) if queued else None
        if fault and fault.delay:
            await asyncio.sleep(fault.delay)
        if fault and fault.status:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            if operation.startswith("authy"):
                return _authy_error(fault.status, fault.code or "60000", "Fault injected", headers)
            return _twilio_error(fault.status, int(fault.code or 20500), "Fault injected", headers)
        return None

    async def _twilio(self, operation: str, request: Request) -> tuple[Response | None, dict[str, str]]:
        """Contract, auth and form checks shared by Messages and Verify."""
        early = await self._begin(operation, request)
        form = await request.form()
        fields = {name: form.getlist(name) for name in form}
        problems = contract.violations(
            request.method,
            request.url.path,
            request.headers.get("content-type", ""),
            fields,
            request.headers.get("authorization", ""),
        )
        if problems:
            self.violations.extend(f"{operation}: {problem}" for problem in problems)
        if early:
            return early, {}
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return _twilio_error(401, 20003, "Authenticate"), {}
        if problems:
            return _twilio_error(400, 60200, "; ".join(problems)), {}
        return None, {name: values[-1] for name, values in fields.items()}

    async def _authy(self, operation: str, request: Request) -> tuple[Response | None, dict[str, str]]:
        early = await self._begin(operation, request)
        if early:
            return early, {}
        params = dict(request.query_params)
        if request.method == "POST":
            params.update({name: str(value) for name, value in (await request.form()).items()})
        key = request.headers.get("X-Authy-API-Key") or params.get("api_key")
        if key != self.authy_key:
            return _authy_error(401, "60001", "Invalid API key"), params
        return None, params

    # Authy ---------------------------------------------------------------------------

    async def authy_register(self, request: Request) -> Response:
        refused, params = await self._authy("authy.users.new", request)
        if refused:
            return refused
        email = params.get("user[email]", "")
        cellphone = re.sub(r"[\s\-]", "", params.get("user[cellphone]", ""))
        country_code = params.get("user[country_code]", "")
        errors = {}
        if "@" not in email:
            errors["email"] = "is invalid"
        if not cellphone.isdigit() or not country_code.isdigit() or cellphone.startswith("+"):
            errors["cellphone"] = "is invalid"
        if errors:
            return _authy_error(400, "60027", "User was not valid", errors=errors)
        phone = f"+{country_code}{cellphone}"
        authy_id = self.authy_ids.setdefault(phone, 1000 + len(self.authy_ids))
        return JSONResponse({"message": "User created successfully.", "user": {"id": authy_id}, "success": True})

    async def authy_send(self, request: Request) -> Response:
        channel = request.path_params["channel"]
        if channel not in ("sms", "call"):
            return _authy_error(404, "60000", "Not found")
        refused, params = await self._authy(f"authy.{channel}", request)
        if refused:
            return refused
        authy_id = int(request.path_params["authy_id"])
        phone = next((p for p, i in self.authy_ids.items() if i == authy_id), None)
        if phone is None:
            return _authy_error(404, "60026", "User not found.")
        if phone in self.blocked:
            return _authy_error(400, "60033", "Invalid phone number")
        if channel == "sms" and phone in self.landlines:
            return _authy_error(400, "60082", "Cannot send SMS to landline.")
        masked = f"+{phone[1:-2].translate(str.maketrans('0123456789', 'X' * 10))}{phone[-2:]}"
        answer = {"success": True, "message": f"{channel.upper()} token was sent", "cellphone": masked}
        if params.get("force") != "true":
            return JSONResponse({**answer, "ignored": True})  # the user "has the app": nothing sent
        token = f"{secrets.randbelow(10**AUTHY_TOKEN_DIGITS):0{AUTHY_TOKEN_DIGITS}d}"
        self.authy_tokens[authy_id] = token
        self.texts.append(Text("authy", phone, f"Your Authy token is {token}", channel, params.get("locale")))
        return JSONResponse(answer)

    async def authy_verify(self, request: Request) -> Response:
        refused, params = await self._authy("authy.verify", request)
        if refused:
            return refused
        token, authy_id = request.path_params["token"], int(request.path_params["authy_id"])
        if authy_id not in self.authy_ids.values():
            return _authy_error(404, "60026", "User not found.")
        if not re.fullmatch(r"\d{6,12}", token):
            return _authy_error(401, "60020", "Token is invalid", token="is invalid")
        valid = {"message": "Token is valid.", "token": "is valid", "success": "true"}
        if params.get("force") != "true":
            return JSONResponse(valid)  # unconfirmed users pass with any token unless forced
        if (authy_id, token) in self.authy_used:
            return _authy_error(401, "60019", "Token already used", token="is invalid")
        if self.authy_tokens.get(authy_id) != token:
            return _authy_error(401, "60020", "Token is invalid", token="is invalid")
        self.authy_used.add((authy_id, token))
        return JSONResponse(valid)

    # Twilio Messages -----------------------------------------------------------------

    async def messages_create(self, request: Request) -> Response:
        refused, form = await self._twilio("messages.create", request)
        if refused:
            return refused
        to = form.get("To", "")
        if not E164.match(to):
            return _twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if ("From" in form) == ("MessagingServiceSid" in form):
            return _twilio_error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        if len(form.get("Body", "")) > 1600:
            return _twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        if to in self.blocked:
            return _twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
        if to in self.landlines:
            return _twilio_error(400, 21614, f"'To' number {to} is not a valid mobile number")
        self.texts.append(Text("twilio-messages", to, form["Body"]))
        status = "accepted" if "MessagingServiceSid" in form else "queued"
        sid = "SM" + secrets.token_hex(16)
        if "StatusCallback" in form:
            self._status_callbacks(form["StatusCallback"], sid, form)
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "body": form["Body"],
                "status": status,
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "error_code": None,
                "error_message": None,
            },
            status_code=201,
        )

    def _status_callbacks(self, url: str, sid: str, form) -> None:
        """What Twilio posts after the 201 (not the create's own status): sent, then the end."""
        common = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": self.account_sid,
            "To": form["To"],
            "From": form.get("From", "+15005550006"),
            "ApiVersion": "2010-04-01",
        }
        final = (
            {"MessageStatus": "undelivered", "ErrorCode": "30003"}
            if form["To"] in self.unreachable
            else {"MessageStatus": "delivered"}
        )
        for status in ({"MessageStatus": "sent"}, final):
            params = {**common, **status, "SmsStatus": status["MessageStatus"]}
            self.callbacks.append(Callback(url, params, self.sign(url, params)))

    # Twilio Calls -------------------------------------------------------------------

    async def calls_create(self, request: Request) -> Response:
        refused, form = await self._twilio("calls.create", request)
        if refused:
            return refused
        to = form.get("To", "")
        if not E164.match(to):
            return _twilio_error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not E164.match(form.get("From", "")):
            return _twilio_error(400, 21212, "The 'From' number is not a valid phone number")
        if sum(name in form for name in ("Url", "Twiml", "ApplicationSid")) != 1:
            return _twilio_error(400, 21205, "One of Url, Twiml or ApplicationSid is required")
        if to in self.blocked:
            return _twilio_error(400, 13227, "No international authorization for this destination")
        said = re.sub(r"<[^>]+>", "", form.get("Twiml", ""))  # what the voice says: the TwiML's words
        self.texts.append(Text("twilio-calls", to, said, "call", _say_language(form.get("Twiml", ""))))
        sid = "CA" + secrets.token_hex(16)
        if "StatusCallback" in form:
            self._call_callbacks(form["StatusCallback"], sid, form)
        body = {"sid": sid, "account_sid": self.account_sid, "to": to, "from": form["From"], "status": "queued"}
        return JSONResponse({**body, "direction": "outbound-api", "api_version": "2010-04-01"}, status_code=201)

    def _call_callbacks(self, url: str, sid: str, form) -> None:
        """What Twilio posts of a call (the events asked for, then its end): ringing, then
        answered and completed, or busy, or no-answer."""
        common = {"CallSid": sid, "AccountSid": self.account_sid, "To": form["To"], "From": form["From"]}
        common |= {"ApiVersion": "2010-04-01", "Direction": "outbound-api"}
        to = form["To"]
        ends = ["busy"] if to in self.busy else ["no-answer"] if to in self.unanswered else ["in-progress", "completed"]
        for status in ["ringing", *ends]:
            params = {**common, "CallStatus": status}
            self.callbacks.append(Callback(url, params, self.sign(url, params)))

    def sign(self, url: str, params: dict[str, str]) -> str:
        """Twilio's algorithm, written from its documentation (not the app's code)."""
        payload = url + "".join(f"{name}{params[name]}" for name in sorted(params))
        return base64.b64encode(hmac.new(self.auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()

    # Twilio Verify v2 ----------------------------------------------------------------

    def _live(self, to: str) -> Verification | None:
        verification = self.verifications.get(to)
        if verification and self.now() - verification.created >= VERIFY_TTL:
            del self.verifications[to]
            return None
        return verification

    def _verification_body(self, verification: Verification, status: str) -> dict:
        return {
            "sid": verification.sid,
            "service_sid": self.service_sid,
            "account_sid": self.account_sid,
            "to": verification.to,
            "channel": verification.channel,
            "status": status,
            "valid": status == "approved",
            "date_created": "2026-11-26T00:00:00Z",
        }

    async def verify_start(self, request: Request) -> Response:
        refused, form = await self._twilio("verify.start", request)
        if refused:
            return refused
        to, channel = form["To"], form["Channel"]
        if (
            not E164.match(to)
            or channel not in ("sms", "call", "whatsapp")
            or form.get("Locale", "en") not in VERIFY_LOCALES
        ):
            return _twilio_error(400, 60200, "Invalid parameter")
        if channel == "whatsapp" and to in self.no_whatsapp:  # WhatsApp's 1013, as Twilio names it
            return _twilio_error(400, 63003, "Channel could not find To address")
        if to in self.blocked:
            return _twilio_error(403, 60410, "The destination phone number has been temporarily blocked by Twilio")
        if channel == "sms" and to in self.landlines:
            return _twilio_error(400, 60205, "SMS is not supported by landline phone number")
        recent = [at for at in self.verify_sends.get(to, []) if self.now() - at < VERIFY_TTL]
        if len(recent) >= VERIFY_MAX_SENDS:
            return _twilio_error(429, 60203, "Max send attempts reached")
        self.verify_sends[to] = [*recent, self.now()]
        self.exhausted.pop(to, None)
        verification = self._live(to) or Verification(
            "VE" + secrets.token_hex(16),
            to,
            f"{secrets.randbelow(10**6):06d}",
            self.now(),
            channel,
        )
        verification.channel = channel
        self.verifications[to] = verification  # same sid and same code while it lives
        body = f"Your verification code is: {verification.code}"
        self.texts.append(Text("twilio-verify", to, body, channel, form.get("Locale")))
        return JSONResponse(self._verification_body(verification, "pending"), status_code=201)

    async def verify_check(self, request: Request) -> Response:
        refused, form = await self._twilio("verify.check", request)
        if refused:
            return refused
        code = form.get("Code", "")
        if not 4 <= len(code) <= 10 or not ("To" in form or "VerificationSid" in form):
            return _twilio_error(400, 60200, "Invalid parameter")
        to = form.get("To", "")
        if self.exhausted.pop(to, None):
            return _twilio_error(429, 60202, "Max check attempts reached")
        verification = self._live(to)
        if verification is None:
            return _twilio_error(404, 20404, "The requested resource was not found")
        verification.checks += 1
        if code != verification.code:
            if verification.checks >= VERIFY_MAX_CHECKS:  # the 5th wrong check ends it
                del self.verifications[to]
                self.exhausted[to] = True
            return JSONResponse(self._verification_body(verification, "pending"))
        del self.verifications[verification.to]
        return JSONResponse(self._verification_body(verification, "approved"))

    async def verify_update(self, request: Request) -> Response:
        refused, form = await self._twilio("verify.update", request)
        if refused:
            return refused
        sid = request.path_params["sid"]
        verification = self._live(sid) or next((v for v in self.verifications.values() if v.sid == sid), None)
        if verification is None:
            return _twilio_error(404, 20404, "The requested resource was not found")
        del self.verifications[verification.to]
        return JSONResponse(self._verification_body(verification, form["Status"]))

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/protected/json/users/new", self.authy_register, methods=["POST"]),
                Route("/protected/json/{channel:str}/{authy_id:int}", self.authy_send, methods=["GET"]),
                Route("/protected/json/verify/{token}/{authy_id:int}", self.authy_verify, methods=["GET"]),
                Route("/2010-04-01/Accounts/{account}/Messages.json", self.messages_create, methods=["POST"]),
                Route("/2010-04-01/Accounts/{account}/Calls.json", self.calls_create, methods=["POST"]),
                Route("/v2/Services/{service}/Verifications", self.verify_start, methods=["POST"]),
                Route("/v2/Services/{service}/Verifications/{sid}", self.verify_update, methods=["POST"]),
                Route("/v2/Services/{service}/VerificationCheck", self.verify_check, methods=["POST"]),
            ]
        )


def _say_language(twiml: str) -> str | None:
    found = re.search(r'<Say[^>]* language="([^"]+)"', twiml)
    return found.group(1) if found else None


def _twilio_error(status: int, code: int, message: str, headers: dict | None = None) -> JSONResponse:
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _authy_error(status: int, code: str, message: str, headers: dict | None = None, **extra) -> JSONResponse:
    body = {"message": message, "success": False, "errors": {"message": message}, "error_code": code, **extra}
    # Authy often labels JSON as text/html; clients must parse it anyway.
    return JSONResponse(body, status_code=status, headers=headers, media_type="text/html")
