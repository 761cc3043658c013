"""How the two compatibility APIs' words map onto the one ticket lifecycle (SPEC §5).

ISP API (seed 002): status 0/1/2/3 = open/in_progress/resolved/closed, priority 1/2/3 =
low/normal/high. Reading, `waiting` shows as 1 and `cancelled` as 3; `urgent` shows as 3.

Helpdesk API (seed 003): priority low/medium/high/urgent (medium = normal); a ticket's status
reads as `unassigned` (open, nobody assigned), `open` (open or in progress), `onhold` (waiting)
or `closed` (resolved, closed, cancelled); the list filters are below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db.models import Q

from config.numbering import business_time
from tickets.models import Priority, Ticket

S = Ticket.Status

# --- ISP (seed 002) ------------------------------------------------------------------------

ISP_STATUS_TO_CODE = {
    S.OPEN: 0,
    S.IN_PROGRESS: 1,
    S.WAITING: 1,
    S.RESOLVED: 2,
    S.CLOSED: 3,
    S.CANCELLED: 3,
}
ISP_CODE_TO_STATUSES = {
    0: [S.OPEN],
    1: [S.IN_PROGRESS, S.WAITING],
    2: [S.RESOLVED],
    3: [S.CLOSED, S.CANCELLED],
}
ISP_PRIORITY_TO_CODE = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 3}
ISP_CODE_TO_PRIORITY = {1: Priority.LOW, 2: Priority.NORMAL, 3: Priority.HIGH}
ISP_CODE_TO_PRIORITIES = {
    1: [Priority.LOW],
    2: [Priority.NORMAL],
    3: [Priority.HIGH, Priority.URGENT],
}

# The transitions that take a ticket from its status to an ISP status code, in order.
ISP_STATUS_PATHS: dict[tuple[str, int], list[str]] = {
    (S.RESOLVED, 0): ["reopen"],
    (S.OPEN, 1): ["start"],
    (S.WAITING, 1): ["start"],
    (S.OPEN, 2): ["resolve"],
    (S.IN_PROGRESS, 2): ["resolve"],
    (S.WAITING, 2): ["resolve"],
    (S.RESOLVED, 3): ["close"],
    (S.OPEN, 3): ["resolve", "close"],
    (S.IN_PROGRESS, 3): ["resolve", "close"],
    (S.WAITING, 3): ["resolve", "close"],
}


def isp_time(value: datetime | None) -> str | None:
    """Seed 002's `2024-01-15 10:30:00` (UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else None


# --- Helpdesk (seed 003) -------------------------------------------------------------------

HELPDESK_PRIORITY_IN = {
    "low": Priority.LOW,
    "medium": Priority.NORMAL,
    "normal": Priority.NORMAL,
    "high": Priority.HIGH,
    "urgent": Priority.URGENT,
}
HELPDESK_PRIORITY_OUT = {
    Priority.LOW: "low",
    Priority.NORMAL: "medium",
    Priority.HIGH: "high",
    Priority.URGENT: "urgent",
}
UNRESOLVED = [S.OPEN, S.IN_PROGRESS, S.WAITING]
DONE = [S.RESOLVED, S.CLOSED, S.CANCELLED]


def helpdesk_status(ticket: Ticket) -> str:
    if ticket.status in DONE:
        return "closed"
    if ticket.status == S.WAITING:
        return "onhold"
    if ticket.status == S.OPEN and ticket.assignee_id is None:
        return "unassigned"
    return "open"


def _due_today(now: datetime) -> Q:
    start = business_time(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return Q(status__in=UNRESOLVED, resolution_due_at__gte=start) & Q(
        resolution_due_at__lt=start + timedelta(days=1)
    )


HELPDESK_FILTERS: dict[str, Callable[[datetime], Q]] = {
    "unresolved": lambda now: Q(status__in=UNRESOLVED),
    "overdue": lambda now: Q(status__in=UNRESOLVED, resolution_due_at__lt=now),
    "duetoday": _due_today,
    "open": lambda now: Q(status__in=[S.OPEN, S.IN_PROGRESS]),
    "onhold": lambda now: Q(status=S.WAITING),
    "unassigned": lambda now: Q(status__in=UNRESOLVED, assignee__isnull=True),
    "closed": lambda now: Q(status__in=DONE),
}


def helpdesk_time(value: datetime | None) -> str | None:
    """Seed 003's `2016-11-22 05:01:51` (UTC)."""
    return isp_time(value)


def parse_helpdesk_date(raw: str) -> datetime:
    """Seed 003's `dd-mm-yyyy H:m` (e.g. `21-11-2016 17:01`), in the business time zone."""
    naive = datetime.strptime(raw.strip(), "%d-%m-%Y %H:%M")  # noqa: DTZ007 (made aware below)
    return naive.replace(tzinfo=business_time().tzinfo)
