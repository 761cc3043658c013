"""The back office's queues of service requests: one-click views, urgency order, due countdowns.

The default order is urgency: running requests first (breached ones lead, as their due time has
passed), then by the time left to the nearest due time, paused (waiting) requests after them,
resolved and ended ones last. The same expressions are indexed (tickets.models.queue_rank and
nearest_due), so a queue page reads the index, however many requests there are; the page count
stops at `CappedPaginator.cap` instead of counting a million rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from config.admin import staff_users
from config.admin_transitions import TransitionActionForm
from tickets.expressions import (
    AT_RISK,
    BREACHED,
    MET,
    NONE,
    ON_TRACK,
    PAUSED,
    nearest_due,
    queue_rank,
)
from tickets.models import Ticket

BREACHING_WINDOW = timedelta(hours=4)
UNRESOLVED = [Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]

SLA_LABELS = {
    ON_TRACK: _("On track"),
    AT_RISK: _("At risk"),
    BREACHED: _("Breached"),
    PAUSED: _("Paused"),
    MET: _("Met"),
    NONE: _("No SLA"),
}
# Colours: unfold's label palette (success, warning, danger, info, default).
SLA_KINDS = {
    ON_TRACK: "success",
    AT_RISK: "warning",
    BREACHED: "danger",
    PAUSED: "info",
    MET: "success",
    NONE: "default",
}
STATUS_KINDS = {
    Ticket.Status.OPEN: "warning",
    Ticket.Status.IN_PROGRESS: "info",
    Ticket.Status.WAITING: "default",
    Ticket.Status.RESOLVED: "success",
    Ticket.Status.CLOSED: "default",
    Ticket.Status.CANCELLED: "danger",
}
PRIORITY_KINDS = {"urgent": "danger", "high": "warning", "normal": "info", "low": "default"}


def sla_rank() -> Case:
    """Ordering by the SLA column means urgency: breached, at risk, on track, paused, met, none."""
    order = [BREACHED, AT_RISK, ON_TRACK, PAUSED, MET, NONE]
    return Case(
        *[When(sla_status=s, then=Value(i)) for i, s in enumerate(order)],
        default=Value(len(order)),
        output_field=IntegerField(),
    )


def urgency_order() -> list:
    """The queue's default order (indexed as tkt_queue_urgency)."""
    return [queue_rank().asc(), nearest_due().asc(), F("id").asc()]


def label(text: object, kind: str) -> str:
    """A coloured label (unfold's palette, our CSS): status, priority, SLA."""
    return format_html('<span class="bo-label bo-label-{}">{}</span>', kind, text)


def staff_zone(user) -> ZoneInfo:
    """The staff member's time zone (their preference), else the desk's."""
    for name in (getattr(user, "time_zone", ""), settings.BUSINESS_TIME_ZONE):
        try:
            return ZoneInfo(name)
        except (ValueError, ZoneInfoNotFoundError):
            continue
    return ZoneInfo("UTC")


def local_time(moment: datetime) -> str:
    """A moment in the current (the staff member's) time zone, with the zone's name."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _span(seconds: int) -> str:
    minutes = max(seconds, 0) // 60
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return _("%(m)s min") % {"m": minutes}


def countdown(due: datetime, now: datetime) -> str:
    """'2 h 13 min left' before the due time, 'overdue 40 min' after it."""
    seconds = int((due - now).total_seconds())
    if seconds >= 0:
        return _("%(span)s left") % {"span": _span(seconds)}
    return _("overdue %(span)s") % {"span": _span(-seconds)}


def due_html(due: datetime | None, now: datetime, *, paused: bool = False) -> str:
    """The due column: a countdown the script keeps current, the exact time on hover."""
    if due is None:
        return "—"
    state = "overdue" if due < now else ("soon" if due - now < BREACHING_WINDOW else "later")
    if paused:
        return format_html(
            '<span class="bo-due bo-due-paused" title="{}">{}</span>',
            _("The clock is paused while the client answers."),
            _("paused"),
        )
    return format_html(
        '<time class="bo-due bo-due-{}" datetime="{}" title="{}">{}</time>',
        state,
        due.isoformat(),
        local_time(due),
        countdown(due, now),
    )


class QueueFilter(admin.SimpleListFilter):
    """One-click views of the queue (the sidebar links here too)."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("Mine")),
            ("unassigned", _("Unassigned")),
            ("breaching", _("Breaching soon")),
            ("waiting", _("Waiting on client")),
            ("open", _("All open")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value not in {"mine", "unassigned", "breaching", "waiting", "open"}:
            return queryset
        now = timezone.now()
        if value == "waiting":
            return queryset.filter(status=Ticket.Status.WAITING)
        queryset = queryset.filter(status__in=UNRESOLVED)
        if value == "mine":
            return queryset.filter(assignee=request.user)
        if value == "unassigned":
            return queryset.filter(assignee__isnull=True)
        if value == "breaching":  # due within 4 hours, or overdue already, clock running
            return queryset.filter(paused_at__isnull=True, nearest_due__lt=now + BREACHING_WINDOW)
        return queryset


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows: a queue of a million requests shows "10000+" pages' worth
    without a full COUNT(*) of the table on every page view."""

    cap = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()


class TicketActionForm(TransitionActionForm):
    """The changelist's action bar: the reason transitions record, the person "Assign to…" names."""

    assignee = forms.ModelChoiceField(
        queryset=staff_users(),
        required=False,
        label=_("Assign to"),
        empty_label=_("(person for “Assign to…”)"),
    )


def annotate_queue(queryset: QuerySet[Ticket], now: datetime) -> QuerySet[Ticket]:
    """What the queue shows and sorts by: SLA status, urgency keys, priority rank."""
    qs = queryset if "sla_status" in queryset.query.annotations else queryset.with_sla_status(now)
    return qs.annotate(nearest_due=nearest_due(), queue_rank=queue_rank()).with_priority_rank()
