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

from ops.outbox import enqueue
from tickets.models import Reply, SlaBreach, Ticket
from tickets.reply_addresses import reply_address, root_message_id

logger = logging.getLogger("tickets.notifications")
_NOT_NOTIFICATIONS = {"schedule", "register", "by_name", "muted", "clean_header"}
_REGISTERED: dict[str, Callable[[int], None]] = {}
_muted: ContextVar[bool] = ContextVar("tickets_notifications_muted", default=False)


def schedule(fn: Callable[[int], None], pk: int) -> None:
    """Send `fn(pk)` through the outbox: a row written in the current transaction, the Celery task
    tickets.tasks.notify queued once it commits (in process when no broker is configured)."""
    if not _muted.get():
        enqueue(fn.__name__, pk)


def register(fn: Callable[[int], None]) -> Callable[[int], None]:
    """Make a notification of an app above tickets (e.g. mail's answers to the desk) known to the
    task by its name; the app registers it when it is ready, in web and worker processes alike."""
    _REGISTERED[fn.__name__] = fn
    return fn


def by_name(name: str) -> Callable[[int], None]:
    """The notification function `name` (what the task receives), or LookupError."""
    fn = _REGISTERED.get(name) or globals().get(name)
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
    if reply is None or reply.internal or not reply.ticket.requester.mail_replies:
        return  # the requester's profile may turn these mails off (the portal's profile page)
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
    if not ticket.requester.mail_status:
        return  # turned off in the requester's profile
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
