"""Seed 001's list filters; a value outside the choices is a 422. Lists accept `a,b` too."""

from django_filters import rest_framework as filters

from environments.models import Environment


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """`?status=active` or `?status=active,maintenance`; each value must be a known choice."""


class EnvironmentFilter(filters.FilterSet):
    status = ChoiceInFilter(choices=Environment.Status.choices)
    platform = ChoiceInFilter(choices=Environment.Platform.choices)
    environment_type = ChoiceInFilter(choices=Environment.Type.choices)

    class Meta:
        model = Environment
        fields = ["status", "platform", "environment_type"]
