"""The service desk's gauges for /metrics (ops.metrics calls collect() at each scrape)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from entitlements.models import Priority
from tickets.expressions import AT_RISK, BREACHED
from tickets.models import Ticket

# Requests someone still has to act on (resolved ones wait for the client, terminal ones for no one).
OPEN = [Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]


def collect() -> Iterator[Metric]:
    """Open requests by status and priority, breached and at-risk ones, the oldest unassigned."""
    now = timezone.now()
    by_status = GaugeMetricFamily(
        "desk_requests_open",
        "Open service requests (open, in progress, waiting) by status and priority.",
        labels=["status", "priority"],
    )
    counts = {
        (row["status"], row["priority"]): row["n"]
        for row in Ticket.objects.filter(status__in=OPEN)
        .values("status", "priority")
        .annotate(n=Count("id"))
        .order_by()
    }
    for status in OPEN:
        for priority in Priority.values:
            by_status.add_metric([status, priority], counts.get((status, priority), 0))
    yield by_status

    sla = GaugeMetricFamily(
        "desk_requests_sla", "Open service requests by SLA state.", labels=["state"]
    )
    states = dict(
        Ticket.objects.filter(status__in=OPEN)
        .with_sla_status(now)
        .filter(sla_status__in=[BREACHED, AT_RISK])
        .values_list("sla_status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for state in (BREACHED, AT_RISK):
        sla.add_metric([state], states.get(state, 0))
    yield sla

    oldest = Ticket.objects.filter(status__in=OPEN, assignee__isnull=True).aggregate(
        at=Min("created_at")
    )["at"]
    yield GaugeMetricFamily(
        "desk_oldest_unassigned_request_age_seconds",
        "Age of the oldest open service request nobody is assigned to (0: none).",
        value=(now - oldest).total_seconds() if oldest else 0,
    )
