"""List filters of GET /tickets (SPEC §4); an invalid value is a 422, unknown parameters are ignored.

The filter kinds are entitlements.api.filters': several values as `a,b` or repeated keys, and id
filters that compare the column without looking the id up, so an id naming nothing the caller
can see (missing, another organization's, a user who is not staff) is an empty list, never a 422
that would tell which ids exist.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from entitlements.api.filters import (
    ChoiceInFilter,
    IdFilter,
    IdOrNoneFilter,
    StableOrderingFilter,
    UtcDateTimeFilter,
)
from tickets.models import Priority, Ticket
from tickets.sla import SLA_STATUSES


class TicketFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Ticket.Status.choices, lookup_expr="in")
    priority = ChoiceInFilter(choices=Priority.choices, lookup_expr="in")
    sla_status = ChoiceInFilter(
        field_name="sla_status",
        choices=[(s, s) for s in SLA_STATUSES],
        lookup_expr="in",
        method="filter_sla_status",
    )
    entitlement_id = IdFilter(field_name="entitlement")
    environment_id = IdFilter(field_name="environment")
    service_id = IdFilter(field_name="service")
    assignee_id = IdOrNoneFilter(field_name="assignee")
    created_after = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Number or title."
    )
    ordering = StableOrderingFilter(
        fields=(
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("priority_rank", "priority"),
            ("status", "status"),
            ("number", "number"),
            ("due_at", "due_at"),
            ("response_due_at", "response_due_at"),
            ("resolution_due_at", "resolution_due_at"),
        )
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs) -> None:
        # Only the filters the request names are copied, made form fields and validated: the
        # others would leave the queryset as it is, and building them cost more than the page's
        # own query (README, performance). The class keeps them all (schema, list_total).
        self.base_filters = {
            name: f for name, f in type(self).base_filters.items() if data and name in data
        }
        super().__init__(data, *args, **kwargs)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value))

    def filter_sla_status(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        # The SQL form of sla_status is annotated only when filtered on: building and compiling
        # it costs more than the rest of a page, and the serializer derives the same value in
        # Python (tickets.sla.current_sla_status, the same rules).
        if "sla_status" not in queryset.query.annotations:
            queryset = queryset.with_sla_status(timezone.now())
        return queryset.filter(sla_status__in=value)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        ordering = self.form.cleaned_data.get("ordering") or []
        if any(key.lstrip("-") == "priority" for key in ordering):
            queryset = queryset.with_priority_rank()  # only when ordering by priority
        return super().filter_queryset(queryset)
