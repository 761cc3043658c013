"""List filters of GET /entitlements (seed 004): class, status, search; plus ordering."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters

from entitlements.models import Entitlement, EntitlementClass


class StableOrderingFilter(filters.OrderingFilter):
    """Ordering with the id as tie-breaker, so pages never overlap."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "-id") if value else qs


class EntitlementFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Entitlement.Status.choices)
    search = filters.CharFilter(
        method="filter_search", max_length=200, help_text="Code or product name."
    )
    # Only indexed columns (see Entitlement.Meta.indexes).
    ordering = StableOrderingFilter(fields=["created_at", "expires_at", "code", "product_name"])

    class Meta:
        model = Entitlement
        fields: list[str] = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(product_name__icontains=value))


# `class` is a Python keyword, so this filter is added by name after the class body.
EntitlementFilter.base_filters["class"] = filters.ChoiceFilter(
    field_name="entitlement_class", choices=EntitlementClass.choices, label="class"
)
