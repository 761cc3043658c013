"""Inbound mail from a hosted mail service (django-anymail), into the same code path.

Mailgun's inbound route (`forward()` to /mail/inbound/mailgun/ or .../mailgun_mime/) is checked
twice: HTTP basic auth (MAIL_WEBHOOK_SECRET, "user:password") and Mailgun's HMAC signature
(MAILGUN_WEBHOOK_SIGNING_KEY). With either setting empty the route does not exist (404): an
unsigned door is never open. A temporary failure is a 500, so the service retries.
"""

from __future__ import annotations

from anymail.signals import AnymailInboundEvent
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from mail import inbound


class _MailgunInbound(MailgunInboundWebhookView):
    webhook_secret = None  # given per request from the settings (as_view takes class attributes)


@csrf_exempt
def mailgun_inbound(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """Mailgun's inbound webhook, only when both its secrets are configured."""
    secret, key = settings.MAIL_WEBHOOK_SECRET, settings.MAILGUN_WEBHOOK_SIGNING_KEY
    if not (secret and key):
        raise Http404("No inbound webhook is configured.")
    view = _MailgunInbound.as_view(webhook_secret=[secret], webhook_signing_key=key)
    return view(request)


def receive(sender: object, event: AnymailInboundEvent, esp_name: str, **kwargs: object) -> None:
    """anymail's `inbound` signal: the raw message through mail.inbound.handle."""
    message = event.message
    if message is None:
        return
    recipient = getattr(message, "envelope_recipient", None)
    inbound.handle(
        message.as_bytes(),
        door=inbound.Door.WEBHOOK,
        envelope_to=[recipient] if recipient else [],
    )
