"""Seed 001's list filters; a value outside the choices is a 422. Several values: `a,b` or repeated."""

from django_filters import rest_framework as filters

from entitlements.api.filters import ChoiceInFilter
from environments.models import Environment


class EnvironmentFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Environment.Status.choices)
    platform = ChoiceInFilter(choices=Environment.Platform.choices)
    environment_type = ChoiceInFilter(choices=Environment.Type.choices)

    class Meta:
        model = Environment
        fields = ["status", "platform", "environment_type"]
