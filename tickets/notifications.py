"""Ticket mail through Django's email backend, always sent after the transaction commits.

Actions call `schedule(fn, id)`; the functions re-read the rows, so a rolled-back change never
mails anyone. Internal notes never reach a client: only public staff replies mail the requester.
A failing mail server is logged, never turned into an error for a request that already committed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F

from tickets.models import Reply, SlaBreach, Ticket

logger = logging.getLogger("tickets.notifications")
_muted: ContextVar[bool] = ContextVar("tickets_notifications_muted", default=False)


def schedule(fn: Callable[[int], None], pk: int) -> None:
    """Run `fn(pk)` once the current transaction commits (at once outside a transaction)."""
    if not _muted.get():
        transaction.on_commit(partial(fn, pk))


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


def _send(subject: str, body: str, recipients: list[str]) -> None:
    recipients = [r for r in recipients if r]
    if not recipients:
        return
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the change is committed; a mail outage must not turn it into a 500
        logger.exception("Could not send ticket mail %r to %s", subject, recipients)


def _ticket(pk: int) -> Ticket | None:
    return (
        Ticket.objects.select_related("organization", "entitlement", "requester", "assignee")
        .filter(pk=pk)
        .first()
    )


def ticket_created(ticket_id: int) -> None:
    """To the staff desk: a new service request."""
    # Only the columns the mail shows: this runs after every creation, in the request.
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .values("number", "title", "priority", "description", "organization__name")
        .annotate(code=F("entitlement__code"))
        .first()
    )
    if ticket is None:
        return
    _send(
        f"[{ticket['number']}] New service request: {ticket['title']}",
        f"{ticket['organization__name']} opened {ticket['number']} against {ticket['code']} "
        f"(priority {ticket['priority']}).\n\n{ticket['description']}\n",
        [_staff_address()],
    )


def staff_replied(reply_id: int) -> None:
    """To the requester: a public staff reply (never an internal note)."""
    reply = Reply.objects.select_related("ticket__requester", "author").filter(pk=reply_id).first()
    if reply is None or reply.internal:
        return
    ticket = reply.ticket
    _send(
        f"[{ticket.number}] New reply: {ticket.title}",
        f"{reply.author.get_full_name() if reply.author else 'MIDDAG'} wrote:\n\n{reply.message}\n",
        [ticket.requester.email],
    )


def client_replied(reply_id: int) -> None:
    """To the assignee, or the staff desk when nobody is assigned: the client answered."""
    reply = Reply.objects.select_related("ticket__assignee", "author").filter(pk=reply_id).first()
    if reply is None:
        return
    ticket = reply.ticket
    to = ticket.assignee.email if ticket.assignee else _staff_address()
    _send(
        f"[{ticket.number}] Client reply: {ticket.title}",
        f"{reply.author.get_full_name() if reply.author else 'The client'} wrote:\n\n"
        f"{reply.message}\n",
        [to],
    )


def ticket_resolved(ticket_id: int) -> None:
    """To the requester: the request is resolved (they may close, reopen or rate it)."""
    ticket = _ticket(ticket_id)
    if ticket is None or ticket.status != Ticket.Status.RESOLVED:
        return
    _send(
        f"[{ticket.number}] Resolved: {ticket.title}",
        f"Your service request {ticket.number} was resolved. If the problem persists, reopen it "
        "with a reason; otherwise close it and tell us how we did.\n",
        [ticket.requester.email],
    )


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
    _send(
        f"[{ticket.number}] SLA breach ({breach.get_kind_display().lower()}): {ticket.title}",
        f"{ticket.number} of {ticket.organization.name} passed its "
        f"{breach.get_kind_display().lower()} due time ({breach.due_at:%Y-%m-%d %H:%M} UTC).\n",
        recipients,
    )
