"""The SLA clock: targets per tier and priority, due times, and `sla_status` derived from times.

Due times are stored on the ticket (set at creation, moved forward by paused time, recomputed on a
priority change), together with the moment less than 25 % of each target is left (`*_risk_at`).
`sla_status` is never stored: `sla_status()` derives it in Python and
`Ticket.objects.with_sla_status(now)` derives it in SQL with the same rules
(`tickets.models.sla_status_expression`, beside the queryset that uses it), so it is always current
and filterable. The rules, in order:

- `none`: cancelled, or no target at all (e.g. the free tier);
- resolved or closed: `breached` if the first response (or the resolution, when nobody replied)
  came after the response due time or the resolution after the resolution due time, else `met`;
- `breached`: a due time passed while the clock ran (for a waiting ticket: before it paused),
  or the first response came late;
- `paused`: waiting;
- `at_risk`: less than 25 % of a running target left;
- `on_track`: otherwise.

Clocks are wall-clock time (no business-hours calendar). The first public staff reply stops the
response clock; resolution stops the resolution clock; waiting pauses both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.utils import timezone

from tickets.expressions import (  # the statuses' SQL twin
    AT_RISK,
    BREACHED,
    MET,
    NONE,
    ON_TRACK,
    PAUSED,
    SLA_STATUSES,
    sla_status_expression,
)
from tickets.models import SlaTarget, Ticket

__all__ = [
    "AT_RISK",
    "BREACHED",
    "MET",
    "NONE",
    "ON_TRACK",
    "PAUSED",
    "SLA_STATUSES",
    "Targets",
    "apply_targets",
    "breaches",
    "current_sla_status",
    "due_times",
    "sla_status",
    "sla_status_expression",
    "targets_for",
]

AT_RISK_SHARE = 0.25  # at risk when less than this share of the target is left

_DONE = [Ticket.Status.RESOLVED, Ticket.Status.CLOSED]


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int | None
    resolution_minutes: int | None


def targets_for(tier: str, priority: str) -> Targets:
    """The staff-edited targets of an SLA tier and priority (none when the table has no row)."""
    row = SlaTarget.objects.filter(tier=tier, priority=priority).first()
    if row is None:
        return Targets(None, None)
    return Targets(row.first_response_minutes, row.resolution_minutes)


def _due(start: datetime, minutes: int | None) -> tuple[datetime | None, datetime | None]:
    if minutes is None:
        return None, None
    target = timedelta(minutes=minutes)
    return start + target, start + target * (1 - AT_RISK_SHARE)


class DueTimes(NamedTuple):
    response_due_at: datetime | None
    response_risk_at: datetime | None
    resolution_due_at: datetime | None
    resolution_risk_at: datetime | None


def due_times(start: datetime, targets: Targets) -> DueTimes:
    """Due and risk times of both clocks started at `start` (created_at + paused time); pure."""
    return DueTimes(
        *_due(start, targets.first_response_minutes), *_due(start, targets.resolution_minutes)
    )


def apply_targets(ticket: Ticket, targets: Targets, *, response: bool = True) -> None:
    """Set due and risk times from created_at + target + paused time (touches `ticket` only).

    `response=False` leaves the response clock alone (it stopped at the first staff reply).
    """
    due = due_times(ticket.created_at + timedelta(seconds=ticket.paused_seconds), targets)
    if response:
        ticket.response_due_at, ticket.response_risk_at = due[:2]
    ticket.resolution_due_at, ticket.resolution_risk_at = due[2:]


def _response_late(ticket: Ticket, clock: datetime) -> bool:
    due = ticket.response_due_at
    if due is None:
        return False
    if ticket.first_response_at is not None:
        return ticket.first_response_at > due
    return due < clock


def sla_status(ticket: Ticket, now: datetime | None = None) -> str:
    """The ticket's SLA status as of `now` (the same rules as `sla_status_expression`)."""
    now = now or timezone.now()
    if ticket.status == Ticket.Status.CANCELLED or (
        ticket.response_due_at is None and ticket.resolution_due_at is None
    ):
        return NONE
    if ticket.status in _DONE:
        responded = ticket.first_response_at or ticket.resolved_at
        late_response = (
            ticket.response_due_at is not None
            and responded is not None
            and responded > ticket.response_due_at
        )
        late_resolution = (
            ticket.resolution_due_at is not None
            and ticket.resolved_at is not None
            and ticket.resolved_at > ticket.resolution_due_at
        )
        return BREACHED if late_response or late_resolution else MET
    clock = ticket.paused_at or now
    if _response_late(ticket, clock) or (
        ticket.resolution_due_at is not None and ticket.resolution_due_at < clock
    ):
        return BREACHED
    if ticket.paused_at is not None:
        return PAUSED
    if (
        ticket.first_response_at is None
        and ticket.response_risk_at is not None
        and ticket.response_risk_at < now
    ) or (ticket.resolution_risk_at is not None and ticket.resolution_risk_at < now):
        return AT_RISK
    return ON_TRACK


def current_sla_status(ticket: Ticket, now: datetime | None = None) -> str:
    """The annotated value when the ticket came from `with_sla_status`, else computed now."""
    annotated = getattr(ticket, "sla_status", None)
    return annotated if isinstance(annotated, str) else sla_status(ticket, now)


def breaches(ticket: Ticket, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """The (kind, due time) of each clock this ticket has broken so far ("response", "resolution")."""
    now = now or timezone.now()
    if ticket.status == Ticket.Status.CANCELLED:
        return []
    found: list[tuple[str, datetime]] = []
    if ticket.status in _DONE:
        responded = ticket.first_response_at or ticket.resolved_at
        if ticket.response_due_at and responded and responded > ticket.response_due_at:
            found.append(("response", ticket.response_due_at))
        if (
            ticket.resolution_due_at
            and ticket.resolved_at
            and ticket.resolved_at > ticket.resolution_due_at
        ):
            found.append(("resolution", ticket.resolution_due_at))
        return found
    clock = ticket.paused_at or now
    if _response_late(ticket, clock):
        found.append(("response", ticket.response_due_at))
    if ticket.resolution_due_at is not None and ticket.resolution_due_at < clock:
        found.append(("resolution", ticket.resolution_due_at))
    return found
