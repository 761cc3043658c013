"""Environment output (seed 001: list and detail) and staff input serializers."""

from rest_framework import serializers

from accounts import history
from entitlements.api.records import (
    EntitlementInput,
    RecordInput,
    RecordSerializer,
    input_fields,
    list_fields,
)
from environments import actions
from environments.models import Environment

LIST_FIELDS = list_fields("platform", "environment_type", "url")
OPERATIONAL_FIELDS = list(actions.OPERATIONAL_FIELDS)


class EnvironmentSerializer(RecordSerializer):
    """The list item of seed 001."""

    class Meta:
        model = Environment
        fields = LIST_FIELDS


class EnvironmentDetailSerializer(EnvironmentSerializer):
    """Seed 001's detail (metadata, updated_at) plus the operational fields a hosting team uses."""

    class Meta:
        model = Environment
        fields = [*LIST_FIELDS, "metadata", "updated_at", *OPERATIONAL_FIELDS]


class EnvironmentUpdateInput(RecordInput):
    """PATCH: any of the editable fields; never the status, entitlement or organization."""

    backup_retention_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)

    class Meta:
        model = Environment
        fields = input_fields(actions.KIND)


class EnvironmentCreateInput(EntitlementInput, EnvironmentUpdateInput):
    """POST: the ENV entitlement (in the header's organization; staff without one: any)."""


TransitionInput = history.TransitionInput  # the shared body of transition actions
