"""Mailgun's inbound webhook (django-anymail): basic auth and signature checked, same code path."""

import base64
import hashlib
import hmac

import pytest

from mail.models import InboundMessage
from tests.mail.conftest import eml
from tickets.models import Reply
from tickets.reply_addresses import reply_address

KEY = "key-mailgun-signing-0123456789"
SECRET = "mailgun:webhook-pass-0123456789"
URL = "/mail/inbound/mailgun_mime/"


@pytest.fixture
def configured(settings):
    settings.MAIL_WEBHOOK_SECRET = SECRET
    settings.MAILGUN_WEBHOOK_SIGNING_KEY = KEY


def signed(raw: bytes, *, key: str = KEY, recipient: str = "") -> dict[str, str]:
    timestamp, token = "1764582000", "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode("utf-8"),
        "recipient": recipient,
        "sender": "",
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def test_signed_webhook_adds_the_reply(client, configured, ticket, member):
    to = reply_address(ticket.pk, ticket.number)
    raw = eml("gmail_reply.eml", sender=member, to=to)

    response = client.post(URL, signed(raw, recipient=to), **auth())

    assert response.status_code == 200
    (reply,) = Reply.objects.filter(ticket=ticket)
    assert reply.message.startswith("Thanks! The new certificate works")
    assert InboundMessage.objects.get().door == "webhook"


@pytest.mark.parametrize(
    ("data_key", "secret"),
    [("wrong-signing-key", SECRET), (KEY, "mailgun:wrong"), (KEY, "")],
)
def test_unsigned_or_unauthenticated_webhook_writes_nothing(
    client, configured, ticket, member, data_key, secret
):
    to = reply_address(ticket.pk, ticket.number)
    raw = eml("gmail_reply.eml", sender=member, to=to)

    response = client.post(
        URL, signed(raw, key=data_key, recipient=to), **(auth(secret) if secret else {})
    )

    assert response.status_code == 400
    assert not InboundMessage.objects.exists()
    assert not Reply.objects.exists()


def test_webhook_does_not_exist_unless_configured(client, ticket, member):
    raw = eml("gmail_reply.eml", sender=member, to=reply_address(ticket.pk, ticket.number))

    response = client.post(URL, signed(raw), **auth())

    assert response.status_code == 404
    assert not InboundMessage.objects.exists()
