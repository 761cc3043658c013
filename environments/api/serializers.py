"""Environment output (seed 001: list and detail) and staff input serializers."""

from rest_framework import serializers

from accounts.models import Organization
from config import history
from config.serializers import RefusedFieldsMixin
from entitlements.models import Entitlement
from environments.models import Environment

LIST_FIELDS = [
    "id",
    "name",
    "status",
    "platform",
    "environment_type",
    "url",
    "entitlement_id",
    "entitlement_code",
    "organization_id",
    "created_at",
]
OPERATIONAL_FIELDS = [
    "platform_version",
    "admin_url",
    "hosting_provider",
    "region",
    "backup_schedule",
    "backup_retention_days",
    "health",
]


class EnvironmentSerializer(serializers.ModelSerializer):
    """The list item of seed 001."""

    entitlement_id = serializers.IntegerField(read_only=True)
    entitlement_code = serializers.CharField(source="entitlement.code", read_only=True)
    organization_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Environment
        fields = LIST_FIELDS
        read_only_fields = fields


class EnvironmentDetailSerializer(EnvironmentSerializer):
    """Seed 001's detail (metadata, updated_at) plus the operational fields a hosting team uses."""

    class Meta:
        model = Environment
        fields = [*LIST_FIELDS, "metadata", "updated_at", *OPERATIONAL_FIELDS]
        read_only_fields = fields


class EnvironmentUpdateInput(RefusedFieldsMixin, serializers.ModelSerializer):
    """PATCH: any of the editable fields; never the status, entitlement or organization."""

    backup_retention_days = serializers.IntegerField(min_value=1, max_value=3650, required=False)

    class Meta:
        model = Environment
        fields = [
            "name",
            "platform",
            "environment_type",
            "url",
            "metadata",
            *OPERATIONAL_FIELDS,
        ]

    # Sent by mistake, these would be silently ignored: say why they are refused instead.
    fixed_fields = {
        "status": "The status changes only through the transition actions.",
        "entitlement_id": "The entitlement of an environment cannot be changed.",
        "organization_id": "The organization comes from the entitlement.",
    }


class EnvironmentCreateInput(EnvironmentUpdateInput):
    """POST: the ENV entitlement (in the header's organization; staff without one: any)."""

    entitlement_id = serializers.PrimaryKeyRelatedField(
        queryset=Entitlement.objects.none(), source="entitlement"
    )

    class Meta(EnvironmentUpdateInput.Meta):
        fields = ["entitlement_id", *EnvironmentUpdateInput.Meta.fields]

    def __init__(self, *args, org: Organization | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entitlement_id"].queryset = Entitlement.objects.for_org(org)


TransitionInput = history.TransitionInput  # the shared body of transition actions
