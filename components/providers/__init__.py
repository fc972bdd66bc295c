"""Verification and SMS back ends behind one interface.

interface.py     what every back end does, and the outcomes the flows see
factory.py       picks the back ends from settings, once at start-up
local.py         codes made, hashed and checked by the app, sent by an SMS sender
authy.py         the legacy Authy API
twilio_verify.py Twilio Verify v2
twilio_sms.py    Twilio Messages (texts only)
console.py       the development sender: terminal and outbox file
http.py          provider calls: a log line each, bounded retry, answers reduced to facts
"""
