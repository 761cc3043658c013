"""Seed 000's service filters; a value outside the choices is a 422. Lists accept `a,b` too."""

from django_filters import rest_framework as filters

from services.models import Service


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`?status=in_progress` or `?status=in_progress,on_hold`; each value must be a known choice."""


class ServiceFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Service.Status.choices)
    lifecycle = ChoiceInFilter(choices=Service.Lifecycle.choices)

    class Meta:
        model = Service
        fields = ["status", "lifecycle"]
