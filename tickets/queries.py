"""Reads shared by the API, the admin, the compatibility APIs and the commands."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from accounts.models import Organization, User
from accounts.tenancy import access_by_id
from tickets.errors import AttachmentNotFound, TicketNotFound
from tickets.models import Attachment, Reply, Ticket, TicketCount
from tickets.sla import BREACHED


def ticket_total(org: Organization | None) -> int | None:
    """How many tickets `org` has (every organization's when None), from the counts PostgreSQL
    triggers keep (TicketCount); None where there are no triggers, so the caller counts rows."""
    if connection.vendor != "postgresql":
        return None
    if org is None:
        return TicketCount.objects.aggregate(total=Sum("tickets"))["total"] or 0
    # One row by primary key, none until the organization's first ticket.
    return next(iter(TicketCount.objects.filter(pk=org.pk).values_list("tickets", flat=True)), 0)


def visible_replies(ticket: Ticket | int, user: User | None) -> QuerySet[Reply]:
    """A ticket's conversation, oldest first; internal notes only for staff (never for clients)."""
    qs = Reply.objects.filter(ticket=ticket).select_related("author").order_by("created_at", "id")
    if user is None or not user.is_staff:
        qs = qs.filter(internal=False)
    return qs


def tickets_to_autoclose(days: int, now: datetime | None = None) -> QuerySet[Ticket]:
    """Resolved tickets whose resolution is at least `days` old, oldest first."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return Ticket.objects.filter(status=Ticket.Status.RESOLVED, resolved_at__lte=cutoff).order_by(
        "resolved_at", "id"
    )


def breach_candidates(now: datetime) -> QuerySet[Ticket]:
    """Tickets in breach as of `now` that may still have a breach to record."""
    return (
        Ticket.objects.with_sla_status(now)
        .filter(sla_status=BREACHED)
        .annotate(recorded=Count("breaches"))
        .filter(recorded__lt=2)
        .select_related("organization")
        .order_by("created_at", "id")
    )


def access_ticket_by_id(
    org: Organization | None, pk: int, *, staff: bool = False, related: Sequence[str] = ()
) -> Ticket:
    """The organization's ticket, or TicketNotFound: another organization's ticket does not exist
    for the caller. Staff without an organization (`org` None) reach every organization's."""
    return access_by_id(Ticket, org, pk, staff=staff, related=related, error=TicketNotFound)


def attachments_for(ticket: Ticket | int, *, include_internal: bool) -> QuerySet[Attachment]:
    """A ticket's files, oldest first; internal ones (an internal note's) only when asked for,
    i.e. for staff: a client never sees them."""
    qs = Attachment.objects.filter(ticket=ticket).order_by("created_at", "id")
    if not include_internal:
        qs = qs.filter(internal=False)
    return qs


def access_attachment_by_id(org: Organization | None, pk: int, *, staff: bool) -> Attachment:
    """The organization's attachment, or AttachmentNotFound (404): another organization's file,
    and an internal one for a client, do not exist for the caller."""
    attachment = access_by_id(Attachment, org, pk, staff=staff, error=AttachmentNotFound)
    if attachment.internal and not staff:
        raise AttachmentNotFound(f"Attachment {pk} not found.")
    return attachment
