"""Ticket mail through Django's email backend, always sent after the transaction commits.

Actions call `schedule(fn, id)`; the functions re-read the rows, so a rolled-back change never
mails anyone. Internal notes never reach a client: only public staff replies mail the requester.
Mail is sent by a Celery task (tickets.tasks.notify, through ops.outbox), so a slow or failing mail
server never slows or fails a request: the task retries, once sent it never sends again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts.models import User
from ops.outbox import enqueue
from tickets.models import Reply, SlaBreach, Ticket

logger = logging.getLogger("tickets.notifications")
_NOT_NOTIFICATIONS = {"schedule", "by_name", "muted", "clean_header"}
_muted: ContextVar[bool] = ContextVar("tickets_notifications_muted", default=False)


def schedule(fn: Callable[[int], None], pk: int) -> None:
    """Send `fn(pk)` through the outbox: a row written in the current transaction, the Celery task
    tickets.tasks.notify queued once it commits (in process when no broker is configured)."""
    if not _muted.get():
        enqueue(fn.__name__, pk)


def by_name(name: str) -> Callable[[int], None]:
    """The notification function `name` (what the task receives), or LookupError."""
    fn = globals().get(name)
    if name.startswith("_") or name in _NOT_NOTIFICATIONS or not callable(fn):
        raise LookupError(f"No notification named {name!r}.")
    return fn  # type: ignore[no-any-return]


@contextmanager
def muted() -> Iterator[None]:
    """Schedule no mail inside this block (demo data, data fixes)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _staff_address() -> str:
    return getattr(settings, "STAFF_NOTIFICATION_EMAIL", "support@middag.example")


def clean_header(value: str, max_length: int = 200) -> str:
    """One line with no control characters: a title or a name can never inject a header."""
    text = "".join(ch if ch.isprintable() else " " for ch in str(value))
    text = " ".join(text.split())
    return text if len(text) <= max_length else f"{text[: max_length - 1]}…"


def _send(
    subject: str,
    body: str,
    recipients: list[str],
    *,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    reply_to: list[str] | None = None,
) -> None:
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    message = EmailMultiAlternatives(
        clean_header(subject, 250),
        body,
        None,
        recipients,
        headers={**_AUTOMATIC, **(headers or {})},
        reply_to=reply_to,
    )
    if html:
        message.attach_alternative(html, "text/html")
    # Errors propagate: the task sending this (tickets.tasks.notify) retries SMTP and network
    # failures with backoff, after the request that asked for the mail has long answered.
    message.send()
    logger.info("mail sent", extra={"subject": message.subject, "recipients": len(recipients)})


# RFC 3834: no auto-responder answers our mail, so an out-of-office never loops with the desk.
_AUTOMATIC = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "OOF, AutoReply"}


def _render(
    template: str, subject: str, ticket: Ticket | None, **context: object
) -> tuple[str, str]:
    """The plain-text and HTML parts of templates/mail/<template>.{txt,html}."""
    context = {"subject": subject, "ticket": ticket, **context}
    if ticket is not None:
        context["reply_line"] = (
            f"Answer above this line to add to {ticket.number}; keep the address we wrote from."
        )
    return (
        render_to_string(f"mail/{template}.txt", context).strip() + "\n",
        render_to_string(f"mail/{template}.html", context),
    )


def _thread(ticket: Ticket) -> dict[str, object]:
    """A new Message-ID in the request's thread (In-Reply-To and References name its root) and
    the reply address that brings an answer back to it."""
    from mail.addresses import reply_address, root_message_id

    root = root_message_id(ticket.pk, ticket.number)
    domain = root.rpartition("@")[2].rstrip(">") or None
    return {
        "headers": {
            "Message-ID": make_msgid(ticket.number, domain=domain),
            "In-Reply-To": root,
            "References": root,
        },
        "reply_to": [reply_address(ticket.pk, ticket.number)],
    }


def _send_about(
    ticket: Ticket, name: str, subject: str, recipients: list[str], **context: object
) -> None:
    """Render templates/mail/<name> and send it in the request's thread."""
    subject = f"[{ticket.number}] {clean_header(subject)}"
    text, html = _render(name, subject, ticket, **context)
    _send(subject, text, recipients, html=html, **_thread(ticket))


def _ticket(pk: int) -> Ticket | None:
    return (
        Ticket.objects.select_related("organization", "entitlement", "requester", "assignee")
        .filter(pk=pk)
        .first()
    )


def _author(reply: Reply, default: str) -> str:
    return clean_header(reply.author.get_full_name() if reply.author else default, 100)


def ticket_created(ticket_id: int) -> None:
    """To the staff desk: a new service request."""
    ticket = _ticket(ticket_id)
    if ticket is None:
        return
    _send_about(
        ticket, "ticket_created", f"New service request: {ticket.title}", [_staff_address()]
    )


def staff_replied(reply_id: int) -> None:
    """To the requester: a public staff reply (never an internal note)."""
    reply = (
        Reply.objects.select_related("ticket__requester", "ticket__organization", "author")
        .filter(pk=reply_id)
        .first()
    )
    if reply is None or reply.internal:
        return
    ticket = reply.ticket
    _send_about(
        ticket,
        "staff_replied",
        f"New reply: {ticket.title}",
        [ticket.requester.email],
        reply=reply,
        author=_author(reply, "MIDDAG"),
    )


def client_replied(reply_id: int) -> None:
    """To the assignee, or the staff desk when nobody is assigned: the client answered."""
    reply = (
        Reply.objects.select_related("ticket__assignee", "ticket__organization", "author")
        .filter(pk=reply_id)
        .first()
    )
    if reply is None:
        return
    ticket = reply.ticket
    to = ticket.assignee.email if ticket.assignee else _staff_address()
    _send_about(
        ticket,
        "client_replied",
        f"Client reply: {ticket.title}",
        [to],
        reply=reply,
        author=_author(reply, "The client"),
    )


def ticket_resolved(ticket_id: int) -> None:
    """To the requester: the request is resolved (they may close, reopen or rate it)."""
    ticket = _ticket(ticket_id)
    if ticket is None or ticket.status != Ticket.Status.RESOLVED:
        return
    _send_about(ticket, "ticket_resolved", f"Resolved: {ticket.title}", [ticket.requester.email])


def sla_breached(breach_id: int) -> None:
    """To the assignee and the staff desk: a clock of the SLA was broken."""
    breach = (
        SlaBreach.objects.select_related("ticket__assignee", "ticket__organization")
        .filter(pk=breach_id)
        .first()
    )
    if breach is None:
        return
    ticket = breach.ticket
    recipients = [_staff_address()]
    if ticket.assignee and ticket.assignee.email not in recipients:
        recipients.append(ticket.assignee.email)
    kind = breach.get_kind_display().lower()
    _send_about(
        ticket,
        "sla_breached",
        f"SLA breach ({kind}): {ticket.title}",
        recipients,
        breach=breach,
        kind=kind,
    )


def which_environment(inbound_id: int) -> None:
    """To a member who mailed the desk: no request opened, name the environment (or there is none).

    Sent once per inbound message; never to an automatic sender (mail.inbound filters those)."""
    from entitlements.models import Entitlement, EntitlementClass
    from mail.models import InboundMessage

    inbound = InboundMessage.objects.filter(pk=inbound_id).first()
    if inbound is None or not inbound.sender:
        return
    from accounts.tenancy import live_memberships

    user = User.objects.filter(email__iexact=inbound.sender, is_active=True).first()
    orgs = live_memberships().filter(user=user).values("organization_id") if user else []
    codes = sorted(
        Entitlement.objects.filter(
            organization_id__in=orgs,
            entitlement_class=EntitlementClass.ENV,
            status=Entitlement.Status.ACTIVE,
        ).values_list("code", flat=True)
    )
    subject = f"Re: {clean_header(inbound.subject) or 'your message'}"
    text, html = _render(
        "which_environment",
        subject,
        None,
        name=clean_header(user.name if user else "", 100),
        codes=codes if len(codes) > 1 else [],
        subject_line=clean_header(inbound.subject),
    )
    headers = {"Auto-Submitted": "auto-replied"}
    if inbound.message_id.startswith("<"):
        headers.update({"In-Reply-To": inbound.message_id, "References": inbound.message_id})
    _send(subject, text, [inbound.sender], html=html, headers=headers)
