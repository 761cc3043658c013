"""Ticket work for the Celery workers: every notification mail, the SLA sweep, auto-close.

Tasks take ids, never objects, are idempotent and acknowledge late (a worker that dies mid-task
leaves the message to another). The management commands `sla_sweep` and `close_resolved_tickets`
run the same functions below, printing what they change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from config.errors import DomainError
from ops.outbox import deliver_once, mark_failed
from tickets import notifications
from tickets.actions import ticket_record_breaches, ticket_transition
from tickets.queries import breach_candidates, tickets_to_autoclose
from tickets.sla import breaches

logger = logging.getLogger("tickets.tasks")
Say = Callable[[str], Any]


class NotifyTask(Task):
    """A notification whose retries ran out is given up on in the outbox (staff see it)."""

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any):  # type: ignore[no-untyped-def]
        mark_failed(args[2] if len(args) > 2 else kwargs.get("delivery_id"))


@shared_task(
    bind=True,
    base=NotifyTask,
    acks_late=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,  # 1 s, 2 s, 4 s ... with jitter
    retry_backoff_max=600,
    max_retries=8,
)
def notify(self: Task, name: str, pk: int, delivery_id: int | None = None) -> bool:
    """Send notification `name` about row `pk` once: a retry or redelivery after success sends
    nothing (ops.outbox); SMTP and network errors are retried with exponential backoff."""
    fn = notifications.by_name(name)
    try:
        with deliver_once(delivery_id) as send:
            if send:
                fn(pk)
    except (SMTPException, OSError) as exc:
        logger.warning(
            "Could not send ticket mail %s(%s) (attempt %s): %s",
            name,
            pk,
            self.request.retries + 1,
            exc,
        )
        raise  # autoretry_for: again later, with backoff
    if send:
        logger.info("notification %s(%s) sent", name, pk, extra={"delivery_id": delivery_id})
    return send


def record_sla_breaches(
    *, org: Organization | None = None, dry_run: bool = False, say: Say = logger.info
) -> int:
    """Record each SLA breach once (each ticket in its own transaction); staff are mailed after
    each commit. Returns how many were (or, with dry_run, would be) recorded."""
    now = timezone.now()
    tickets = breach_candidates(now).for_org(org).prefetch_related("breaches")
    count = 0
    for ticket in tickets:
        if dry_run:
            known = {b.kind for b in ticket.breaches.all()}
            new = [(kind, due) for kind, due in breaches(ticket, now) if kind not in known]
            for kind, due in new:
                say(
                    f"[dry-run] would record {kind} breach of {ticket.number} "
                    f"(due {due:%Y-%m-%d %H:%M})"
                )
            count += len(new)
            continue
        with transaction.atomic():
            recorded = ticket_record_breaches(ticket=ticket, now=now)
        for breach in recorded:
            say(
                f"recorded {breach.kind} breach of {ticket.number} "
                f"(due {breach.due_at:%Y-%m-%d %H:%M})"
            )
        count += len(recorded)
    return count


def close_resolved(
    *,
    days: int | None = None,
    org: Organization | None = None,
    dry_run: bool = False,
    say: Say = logger.info,
    now: datetime | None = None,
) -> int:
    """Close requests resolved at least `days` (TICKET_AUTO_CLOSE_DAYS) ago, each in its own
    transaction with a history row by the system; one reopened meanwhile is left alone."""
    if days is None:
        days = getattr(settings, "TICKET_AUTO_CLOSE_DAYS", 7)
    tickets = tickets_to_autoclose(days, now or timezone.now()).for_org(org)
    closed = 0
    prefix = "[dry-run] would close" if dry_run else "closed"
    for ticket in tickets.iterator():
        if not dry_run:
            try:
                ticket_transition(
                    ticket=ticket,
                    name="close",
                    actor=None,
                    reason=f"Closed automatically {days} days after resolution.",
                )
            except DomainError as exc:  # reopened meanwhile: leave it
                say(f"skipped {ticket.number}: {exc.detail}")
                continue
        closed += 1
        say(f"{prefix} {ticket.number} (resolved {ticket.resolved_at:%Y-%m-%d})")
    return closed


@shared_task(acks_late=True)
def sla_sweep() -> int:
    """Beat, every 5 minutes: record (and mail) new SLA breaches."""
    return record_sla_breaches()


@shared_task(acks_late=True)
def close_resolved_tickets() -> int:
    """Beat, daily: close requests resolved TICKET_AUTO_CLOSE_DAYS ago."""
    return close_resolved()
