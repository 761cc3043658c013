"""List filters of GET /tickets (SPEC §4); an invalid value is a 422, unknown parameters are ignored.

Id filters resolve against querysets scoped to the caller's organization, so another
organization's id is a 422 rather than a silent empty page.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from accounts.models import Organization, User
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tickets.models import Priority, Ticket
from tickets.sla import SLA_STATUSES


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`?status=open,in_progress`: comma-separated, each value one of the choices."""


class TicketFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Ticket.Status.choices, lookup_expr="in")
    priority = ChoiceInFilter(choices=Priority.choices, lookup_expr="in")
    sla_status = ChoiceInFilter(
        field_name="sla_status",
        choices=[(s, s) for s in SLA_STATUSES],
        lookup_expr="in",
        method="filter_sla_status",
    )
    entitlement_id = filters.ModelChoiceFilter(
        field_name="entitlement", queryset=Entitlement.objects.none()
    )
    environment_id = filters.ModelChoiceFilter(
        field_name="environment", queryset=Environment.objects.none()
    )
    service_id = filters.ModelChoiceFilter(field_name="service", queryset=Service.objects.none())
    assignee_id = filters.ModelChoiceFilter(
        field_name="assignee",
        queryset=User.objects.filter(is_staff=True),
        null_label="Unassigned",
        null_value="none",
    )
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = filters.CharFilter(method="filter_search", max_length=200)
    ordering = filters.OrderingFilter(
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

    def __init__(self, data=None, *args, org: Organization | None = None, **kwargs) -> None:
        # Only the filters the request names are copied, made form fields and validated: the
        # others would leave the queryset as it is, and building them cost more than the page's
        # own query (README, performance). The class keeps them all (schema, list_total).
        self.base_filters = {
            name: f for name, f in type(self).base_filters.items() if data and name in data
        }
        super().__init__(data, *args, **kwargs)
        scoped = {
            "entitlement_id": Entitlement,
            "environment_id": Environment,
            "service_id": Service,
        }
        for name, model in scoped.items():
            if name in self.filters:
                self.filters[name].queryset = model.objects.for_org(org)

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
        queryset = super().filter_queryset(queryset)
        # A stable order within equal sort keys, so pages never overlap.
        if ordering:
            queryset = queryset.order_by(*queryset.query.order_by, "-id")
        return queryset


class OrgFilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend that hands the view's organization to the filterset."""

    def get_filterset_kwargs(self, request, queryset, view) -> dict:
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        kwargs["org"] = getattr(view, "org", None)
        return kwargs

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        # No filter asked for (a first page, a detail): building and validating the filter set
        # would leave the queryset as it is, so skip it.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            name in filterset_class.base_filters for name in request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
