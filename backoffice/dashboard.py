"""The staff home (the admin's index, unfold's DASHBOARD_CALLBACK): what needs doing now, and how
the desk did lately.

Every figure is aggregated in SQL, in a fixed number of queries whatever the table's size, each
reading a bounded, indexed set rather than the whole history:

1. the unresolved requests (open, in progress, waiting; index on status), with conditional
   counts: mine, unassigned, waiting on client, breached (the SLA status computed live from the
   due times, as the API's `sla_status` filter does, not the sweep's SlaBreach rows), breaching
   within 4 hours (clock running, nearest due time in the next 4 hours, not yet breached);
2. the few requests breaching soonest (the queue's urgency index, `tkt_queue_urgency`);
3. requests created per day over 30 days (index on created_at);
4. requests resolved per day over 5 weeks (index on status, resolved_at), with met/breached and
   the CSAT ratings counted in the same rows: resolved today, the 30-day chart, SLA compliance per
   week and the CSAT average and distribution all come from it;
5. the backlog by organization (the unresolved set grouped, the 8 largest).

Days and weeks are the staff member's (their time zone, as the queues show due times).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from tickets.admin_queue import BREACHING_WINDOW, due_html, staff_zone
from tickets.expressions import BREACHED, nearest_due, queue_rank, sla_status_expression
from tickets.models import Ticket

UNRESOLVED = [Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]
DONE = [Ticket.Status.RESOLVED, Ticket.Status.CLOSED]
CHART_DAYS = 30
COMPLIANCE_WEEKS = 5
BREACHING_SHOWN = 8
BACKLOG_ORGANIZATIONS = 8


@dataclass
class Figures:
    """What the dashboard shows; every count as the API would give it for the same filter."""

    now: datetime
    today: date
    my_open: int = 0
    unassigned: int = 0
    waiting: int = 0
    breached: int = 0
    breaching: int = 0
    unresolved: int = 0
    created_today: int = 0
    resolved_today: int = 0
    breaching_soon: list[Ticket] = field(default_factory=list)
    created_per_day: dict[date, int] = field(default_factory=dict)
    resolved_per_day: dict[date, int] = field(default_factory=dict)
    compliance_per_week: list[tuple[date, int, int]] = field(default_factory=list)  # met, late
    ratings: dict[int, int] = field(default_factory=dict)  # 1..5 → how many, last 30 days
    backlog: list[tuple[str, int, int]] = field(default_factory=list)  # name, id, unresolved

    @property
    def csat_count(self) -> int:
        return sum(self.ratings.values())

    @property
    def csat_average(self) -> float | None:
        if not self.csat_count:
            return None
        return sum(r * n for r, n in self.ratings.items()) / self.csat_count


def figures(user: Any, now: datetime | None = None) -> Figures:
    """The dashboard's numbers for `user`, in five queries (see the module)."""
    now = now or timezone.now()
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    result = Figures(now=now, today=today)
    unresolved = Ticket.objects.filter(status__in=UNRESOLVED).annotate(
        sla_now=sla_status_expression(now), due=nearest_due()
    )
    for name, value in _open_work(unresolved, user, now).items():
        setattr(result, name, value)
    result.breaching_soon = _breaching_soon(unresolved, now)
    first_day = today - timedelta(days=CHART_DAYS - 1)
    result.created_per_day = _created_per_day(first_day, zone)
    result.created_today = result.created_per_day.get(today, 0)
    _add_resolved(result, first_day, zone)
    result.backlog = _backlog()
    return result


def _open_work(unresolved: QuerySet, user: Any, now: datetime) -> dict[str, int]:
    """1. The open work, counted once with conditional aggregates."""
    return unresolved.aggregate(
        unresolved=Count("pk"),
        my_open=Count("pk", filter=Q(assignee_id=user.pk)),
        unassigned=Count("pk", filter=Q(assignee__isnull=True)),
        waiting=Count("pk", filter=Q(status=Ticket.Status.WAITING)),
        breached=Count("pk", filter=Q(sla_now=BREACHED)),  # the API's sla_status=breached
        breaching=Count("pk", filter=_breaching(now)),
    )


def _breaching_soon(unresolved: QuerySet, now: datetime) -> list[Ticket]:
    """2. Breaching soonest, in the queue's (indexed) urgency order."""
    return list(
        unresolved.filter(_breaching(now))
        .annotate(rank=queue_rank())
        .select_related("organization", "assignee")
        .only(
            "pk",
            "number",
            "title",
            "status",
            "paused_at",
            "response_due_at",
            "resolution_due_at",
            "first_response_at",
            "due_at",
            "organization__name",
            "assignee__email",
            "assignee__name",
        )
        .order_by("rank", "due", "pk")[:BREACHING_SHOWN]
    )


def _created_per_day(first_day: date, zone: tzinfo) -> dict[date, int]:
    """3. Requests created per day since `first_day`, in the staff member's days."""
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    created = (
        Ticket.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(n=Count("pk"))
    )
    return {row["day"]: row["n"] for row in created}


def _add_resolved(result: Figures, first_day: date, zone: tzinfo) -> None:
    """4. Resolved per day, with SLA met/late and the ratings, in one query: the resolved chart
    and today's count, the CSAT ratings (since `first_day`) and the weekly SLA compliance."""
    today = result.today
    week_start = today - timedelta(days=today.weekday())  # Monday
    first_week = week_start - timedelta(weeks=COMPLIANCE_WEEKS - 1)
    resolved_since = datetime.combine(min(first_week, first_day), datetime.min.time(), tzinfo=zone)
    resolved = (
        Ticket.objects.filter(status__in=DONE, resolved_at__gte=resolved_since)
        .annotate(day=TruncDate("resolved_at", tzinfo=zone))
        .order_by()
        .values("day")
        .annotate(
            n=Count("pk"),
            with_sla=Count("pk", filter=HAS_SLA),
            late=Count("pk", filter=DONE_LATE),
            **{f"r{r}": Count("pk", filter=Q(rating=r)) for r in range(1, 6)},
        )
    )
    weeks: dict[date, list[int]] = {
        first_week + timedelta(weeks=i): [0, 0] for i in range(COMPLIANCE_WEEKS)
    }
    result.ratings = dict.fromkeys(range(1, 6), 0)
    for row in resolved:
        day = row["day"]
        if day >= first_day:
            result.resolved_per_day[day] = row["n"]
            for r in range(1, 6):
                result.ratings[r] += row[f"r{r}"]
        week = day - timedelta(days=day.weekday())
        if week in weeks:
            weeks[week][0] += row["with_sla"] - row["late"]  # met: with a target, not late
            weeks[week][1] += row["late"]
    result.compliance_per_week = [(w, met, late) for w, (met, late) in weeks.items()]
    result.resolved_today = result.resolved_per_day.get(today, 0)


def _backlog() -> list[tuple[str, int, int]]:
    """5. The organizations with the most unresolved requests: (name, id, how many)."""
    backlog = (
        Ticket.objects.filter(status__in=UNRESOLVED)
        .order_by()
        .values("organization_id", name=F("organization__name"))
        .annotate(n=Count("pk"))
        .order_by("-n", "name")[:BACKLOG_ORGANIZATIONS]
    )
    return [(row["name"], row["organization_id"], row["n"]) for row in backlog]


# A resolved or closed request's SLA outcome: tickets.models.sla_status_expression's "breached"
# and "met" for done requests, written as plain conditions (cheaper than the CASE per row).
HAS_SLA = Q(response_due_at__isnull=False) | Q(resolution_due_at__isnull=False)
DONE_LATE = (
    Q(response_due_at__isnull=False, first_response_at__gt=F("response_due_at"))
    | Q(
        response_due_at__isnull=False,
        first_response_at__isnull=True,
        resolved_at__gt=F("response_due_at"),
    )
    | Q(resolution_due_at__isnull=False, resolved_at__gt=F("resolution_due_at"))
)


def _breaching(now: datetime) -> Q:
    """Clock running, the nearest due time within the next 4 hours, not breached yet."""
    return Q(paused_at__isnull=True, due__gte=now, due__lt=now + BREACHING_WINDOW) & ~Q(
        sla_now=BREACHED
    )


# --- presentation ---------------------------------------------------------------------------


def _chart(labels: list[str], datasets: list[dict], **options: Any) -> dict[str, str]:
    """unfold's chart component arguments: data and options as JSON (no inline script)."""
    data = {"labels": labels, "datasets": datasets}
    settings = {
        "responsive": True,
        "maintainAspectRatio": False,
        "animation": False,
        "plugins": {
            "legend": {
                "display": True,
                "align": "end",
                "labels": {"boxHeight": 8, "boxWidth": 8, "usePointStyle": True},
            }
        },
        "scales": {
            "x": {"grid": {"display": False}, "ticks": {"maxTicksLimit": 10}},
            "y": {"beginAtZero": True, "ticks": {"precision": 0}},
        },
        **options,
    }
    return {"data": json.dumps(data), "options": json.dumps(settings)}


def charts(f: Figures) -> dict[str, dict[str, str]]:
    """The four charts: created vs resolved, SLA compliance, CSAT, backlog by organization."""
    return {
        "created_resolved": _created_resolved_chart(f),
        "compliance": _compliance_chart(f),
        "csat": _csat_chart(f),
        "backlog": _backlog_chart(f),
    }


def _created_resolved_chart(f: Figures) -> dict[str, str]:
    """Requests created and resolved per day over the last 30 days (lines)."""
    days = [f.today - timedelta(days=CHART_DAYS - 1 - i) for i in range(CHART_DAYS)]
    return _chart(
        [d.strftime("%d %b") for d in days],
        [
            {
                "label": "Created",
                "data": [f.created_per_day.get(d, 0) for d in days],
                "borderColor": "var(--color-primary-600)",
                "backgroundColor": "var(--color-primary-600)",
                "type": "line",
            },
            {
                "label": "Resolved",
                "data": [f.resolved_per_day.get(d, 0) for d in days],
                "borderColor": "#16a34a",
                "backgroundColor": "#16a34a",
                "type": "line",
            },
        ],
    )


def _compliance_chart(f: Figures) -> dict[str, str]:
    """The share of done requests within their SLA, per week (bars, 0 to 100 %)."""
    return _chart(
        [f"{week.strftime('%d %b')}" for week, _, _ in f.compliance_per_week],
        [
            {
                "label": "Within SLA %",
                "data": [
                    round(100 * met / (met + late)) if met + late else None
                    for _, met, late in f.compliance_per_week
                ],
                "backgroundColor": "#16a34a",
                "maxBarThickness": 28,
                "borderRadius": 4,
            }
        ],
        scales={
            "x": {"grid": {"display": False}},
            "y": {"beginAtZero": True, "max": 100, "ticks": {"stepSize": 25}},
        },
    )


def _csat_chart(f: Figures) -> dict[str, str]:
    """How many ratings of each star, last 30 days (bars)."""
    return _chart(
        ["★1", "★2", "★3", "★4", "★5"],
        [
            {
                "label": "Ratings",
                "data": [f.ratings.get(r, 0) for r in range(1, 6)],
                "backgroundColor": ["#dc2626", "#ea580c", "#ca8a04", "#65a30d", "#16a34a"],
                "maxBarThickness": 28,
                "borderRadius": 4,
            }
        ],
        plugins={"legend": {"display": False}},
    )


def _backlog_chart(f: Figures) -> dict[str, str]:
    """Unresolved requests of the largest backlogs, per organization (horizontal bars)."""
    return _chart(
        [name if len(name) <= 20 else name[:19] + "…" for name, _, _ in f.backlog],
        [
            {
                "label": "Unresolved",
                "data": [n for _, _, n in f.backlog],
                "backgroundColor": "var(--color-primary-600)",
                "maxBarThickness": 18,
                "borderRadius": 4,
            }
        ],
        indexAxis="y",
        plugins={"legend": {"display": False}},
        scales={"x": {"beginAtZero": True, "ticks": {"precision": 0}}, "y": {}},
    )


def kpis(f: Figures) -> list[dict[str, Any]]:
    """The cards at the top: each a number and the queue it opens."""
    queue = reverse("admin:tickets_ticket_changelist")
    return [
        {
            "key": "my_open",
            "title": "My open requests",
            "value": f.my_open,
            "href": f"{queue}?queue=mine",
        },
        {
            "key": "unassigned",
            "title": "Unassigned",
            "value": f.unassigned,
            "href": f"{queue}?queue=unassigned",
        },
        {
            "key": "breaching",
            "title": "Breaching within 4 h",
            "value": f.breaching,
            "href": f"{queue}?queue=breaching",
            "variant": "warning" if f.breaching else "",
        },
        {
            "key": "breached",
            "title": "Breached",
            "value": f.breached,
            "href": f"{queue}?queue=open&sla_status=breached",
            "variant": "danger" if f.breached else "",
        },
        {
            "key": "waiting",
            "title": "Waiting on client",
            "value": f.waiting,
            "href": f"{queue}?queue=waiting",
        },
        {"key": "created_today", "title": "Created today", "value": f.created_today, "href": ""},
        {
            "key": "resolved_today",
            "title": "Resolved today",
            "value": f.resolved_today,
            "href": "",
        },
    ]


def dashboard_callback(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    """unfold's DASHBOARD_CALLBACK: the index page's context, with the dashboard's figures."""
    if not getattr(request.user, "is_staff", False):
        return context
    with timezone.override(staff_zone(request.user)):
        f = figures(request.user)
        soon = [
            {
                "ticket": t,
                "url": reverse("admin:tickets_ticket_change", args=[t.pk]),
                "due": due_html(t.due, f.now),
            }
            for t in f.breaching_soon
        ]
        zone_name = timezone.get_current_timezone_name()
    context.update(
        {
            "title": "Dashboard",
            "figures": f,
            "kpis": kpis(f),
            "charts": charts(f),
            "breaching_soon": soon,
            "zone_name": zone_name,
            "csat_average": f"{f.csat_average:.1f}" if f.csat_average is not None else "—",
            "queue_url": reverse("admin:tickets_ticket_changelist"),
        }
    )
    return context
