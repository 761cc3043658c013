"""The service request's SQL expressions: priority rank, queue rank, nearest due time and the SLA
status. Ticket.Meta indexes the first three, so the queue's orders read an index; the SLA status
is tickets.sla's rules written for the database (filterable in lists and on the dashboard)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, CharField, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Least

from entitlements.models import Priority

PRIORITY_RANK = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}


def priority_rank() -> Case:
    """Low 1 … urgent 4: ordering by priority means urgency. The same expression is indexed
    (Ticket.Meta.indexes), so a list ordered by it, deep pages included, reads the index."""
    return Case(
        *[When(priority=p, then=Value(rank)) for p, rank in PRIORITY_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def queue_rank() -> Case:
    """The queue's first key: running 0, paused (waiting) 1, resolved 2, closed or cancelled 3.
    Indexed with `nearest_due()` (Ticket.Meta.indexes): the urgency order reads the index."""
    live = ["open", "in_progress", "waiting"]
    return Case(
        When(paused_at__isnull=True, status__in=live, then=Value(0)),
        When(status__in=live, then=Value(1)),
        When(status="resolved", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def nearest_due() -> Least:
    """The nearest due time: the response due time while unanswered (or answered late: a breach),
    the resolution due time, the date agreed with the client. Past due times sort first."""
    response = Case(
        When(
            Q(first_response_at__isnull=True) | Q(first_response_at__gt=F("response_due_at")),
            then=F("response_due_at"),
        ),
        output_field=DateTimeField(),
    )
    return Least(response, F("resolution_due_at"), F("due_at"), output_field=DateTimeField())


# The SLA statuses (tickets.sla has the rules; this is their SQL twin, used by the queryset).
ON_TRACK, AT_RISK, BREACHED, PAUSED, MET, NONE = (
    "on_track",
    "at_risk",
    "breached",
    "paused",
    "met",
    "none",
)
SLA_STATUSES = [ON_TRACK, AT_RISK, BREACHED, PAUSED, MET, NONE]


def sla_status_expression(now: datetime) -> Case:
    """`sla_status` in SQL, on the stored times only (so it is filterable and indexable)."""
    done = Q(status__in=["resolved", "closed"])
    running, paused = Q(paused_at__isnull=True), Q(paused_at__isnull=False)
    late_first_response = Q(
        response_due_at__isnull=False, first_response_at__gt=F("response_due_at")
    )
    done_late = late_first_response | Q(
        response_due_at__isnull=False,
        first_response_at__isnull=True,
        resolved_at__gt=F("response_due_at"),
    )
    done_late |= Q(resolution_due_at__isnull=False, resolved_at__gt=F("resolution_due_at"))
    response_passed = Q(response_due_at__isnull=False, first_response_at__isnull=True) & (
        (running & Q(response_due_at__lt=now)) | (paused & Q(response_due_at__lt=F("paused_at")))
    )
    resolution_passed = Q(resolution_due_at__isnull=False) & (
        (running & Q(resolution_due_at__lt=now))
        | (paused & Q(resolution_due_at__lt=F("paused_at")))
    )
    at_risk = Q(first_response_at__isnull=True, response_risk_at__lt=now) | Q(
        resolution_risk_at__lt=now
    )
    return Case(
        When(
            Q(status="cancelled") | Q(response_due_at__isnull=True, resolution_due_at__isnull=True),
            then=Value(NONE),
        ),
        When(done & done_late, then=Value(BREACHED)),
        When(done, then=Value(MET)),
        When(late_first_response | response_passed | resolution_passed, then=Value(BREACHED)),
        When(paused, then=Value(PAUSED)),
        When(at_risk, then=Value(AT_RISK)),
        default=Value(ON_TRACK),
        output_field=CharField(max_length=10),
    )
