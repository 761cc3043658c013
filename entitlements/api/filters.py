"""List filters of GET /entitlements (seed 004): class, status, search; plus ordering.

Also the filter kinds every list of the account API uses (entitlements, environments, services,
tickets), defined once:

- `ListFilterBackend`: a list's filters belong to the `list` action only. A detail, its history,
  replies, orders… neither document nor apply them, so no query parameter can hide the object.
- `ChoiceInFilter`, `StableOrderingFilter`: several values, as `?p=a,b` or as repeated keys
  `?p=a&p=b` (what generated clients send), with the same result.
- `IdFilter`: `?<thing>_id=N` filters on the column and never looks the id up, so an id that names
  nothing the caller can see (missing, another organization's, a user who is not staff) is an
  empty list like any other, and the answer tells nothing about which ids exist. Only a value
  that is not an id (1 to 2^63-1, ASCII digits) is a 422.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django_filters import rest_framework as filters
from django_filters.fields import BaseCSVField, IsoDateTimeField
from django_filters.widgets import BaseCSVWidget
from drf_spectacular.utils import extend_schema_field

from entitlements.models import Entitlement, EntitlementClass

BIGGEST_ID = 2**63 - 1  # a signed 64-bit primary key
_ID = re.compile(r"[0-9]{1,19}")
NONE = "none"
ID_SCHEMA = {"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGGEST_ID}


class ListFilterBackend(filters.DjangoFilterBackend):
    """The view's filterset, for its `list` action only (schema and queryset alike)."""

    def get_filterset_class(self, view, queryset=None):  # type: ignore[no-untyped-def]
        if getattr(view, "action", None) != "list":
            return None
        return super().get_filterset_class(view, queryset)

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:  # type: ignore[no-untyped-def]
        # No filter asked for (a first page): building and validating the filter set would leave
        # the queryset as it is, so skip it.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in filterset_class.base_filters for name in request.query_params
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class RepeatableCSVWidget(BaseCSVWidget):
    """`?p=a,b` and `?p=a&p=b` read alike (django-filter alone keeps the last repeated key)."""

    def value_from_datadict(self, data, files, name):  # type: ignore[no-untyped-def]
        values = data.getlist(name) if hasattr(data, "getlist") else []
        if len(values) > 1:
            return [part for value in values for part in value.split(",")]
        return super().value_from_datadict(data, files, name)


class RepeatableCSVField(BaseCSVField):
    base_widget_class = RepeatableCSVWidget


class RepeatableCSVFilter(filters.BaseCSVFilter):
    """A filter of several values, comma-separated or repeated (accounts.schema documents both)."""

    base_field_class = RepeatableCSVField


class ChoiceInFilter(RepeatableCSVFilter, filters.BaseInFilter, filters.ChoiceFilter):
    """`?status=open,in_progress` or `?status=open&status=in_progress`; each a known choice."""


class StableOrderingFilter(RepeatableCSVFilter, filters.OrderingFilter):
    """Ordering by one or several keys, with the id as tie-breaker, so pages never overlap.

    The id runs in the first key's direction (`priority` → id ascending, `-priority` → id
    descending): then one index on (key, id) serves both directions, forwards or backwards."""

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        qs = super().filter(qs, value)
        if not value:
            return qs
        first = str(qs.query.order_by[0]) if qs.query.order_by else ""
        return qs.order_by(*qs.query.order_by, "-id" if first.startswith("-") else "id")


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, compared in UTC. Python reads offsets up to ±23:59, PostgreSQL only
    ±15:59: sent as given, `…-22:15` was a database error; a moment at the edge of the calendar
    that has no UTC equivalent is a 422 like any malformed value."""

    def to_python(self, value: Any) -> datetime | None:
        moment = super().to_python(value)
        if moment is None or moment.tzinfo is None:
            return moment
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class IdField(forms.Field):
    """A positive 64-bit id in ASCII digits, or `none` where the filter allows it."""

    default_error_messages = {
        "invalid": f"Enter an id: a whole number from 1 to {BIGGEST_ID}.",
    }

    def __init__(self, *, allow_none: bool = False, **kwargs: Any) -> None:
        self.allow_none = allow_none
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | str | None:
        if value in self.empty_values:
            return None
        if self.allow_none and value == NONE:
            return NONE
        # ASCII digits only: int() also takes "+5", " 5", "1_0" and other scripts' digits.
        if not (isinstance(value, str) and _ID.fullmatch(value)) or not (
            1 <= int(value) <= BIGGEST_ID
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


@extend_schema_field(
    {**ID_SCHEMA, "description": "An id; one that names nothing you can see gives an empty list."}
)
class IdFilter(filters.Filter):
    """`?<field>_id=N` compared with the column, never looked up (see the module docstring)."""

    field_class = IdField


@extend_schema_field(
    {
        "oneOf": [ID_SCHEMA, {"type": "string", "enum": [NONE]}],
        "description": "A staff user's id, or `none` for the unassigned; an id that names "
        "nothing you can see gives an empty list.",
    }
)
class IdOrNoneFilter(IdFilter):
    """An `IdFilter` that also takes `none`: the rows where the relation is empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, allow_none=True, **kwargs)

    def filter(self, qs: QuerySet, value: int | str | None) -> QuerySet:
        if value == NONE:
            return qs.filter(**{f"{self.field_name}__isnull": True})
        return super().filter(qs, value)


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
