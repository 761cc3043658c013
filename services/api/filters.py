"""Seed 000's service filters; a value outside the choices is a 422. Several values: `a,b` or repeated."""

from django_filters import rest_framework as filters

from entitlements.api.filters import ChoiceInFilter
from services.models import Service


class ServiceFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Service.Status.choices)
    lifecycle = ChoiceInFilter(choices=Service.Lifecycle.choices)

    class Meta:
        model = Service
        fields = ["status", "lifecycle"]
