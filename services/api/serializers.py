"""Service output (seed 000: list and detail) and staff input serializers."""

from rest_framework import serializers

from accounts.models import Organization, User
from config import history
from config.serializers import RefusedFieldsMixin
from entitlements.models import Entitlement
from services.models import Service

LIST_FIELDS = [
    "id",
    "name",
    "status",
    "lifecycle",
    "entitlement_id",
    "entitlement_code",
    "organization_id",
    "created_at",
]


class ServiceSerializer(serializers.ModelSerializer):
    """The list item of seed 000."""

    entitlement_id = serializers.IntegerField(read_only=True)
    entitlement_code = serializers.CharField(source="entitlement.code", read_only=True)
    organization_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Service
        fields = LIST_FIELDS
        read_only_fields = fields


class ServiceDetailSerializer(ServiceSerializer):
    """Seed 000's detail (description, metadata, updated_at) plus how the work is organized."""

    assigned_staff_id = serializers.IntegerField(read_only=True, allow_null=True)
    assigned_staff_name = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            *LIST_FIELDS[:4],
            "description",
            *LIST_FIELDS[4:],
            "metadata",
            "updated_at",
            "category",
            "priority",
            "start_date",
            "assigned_staff_id",
            "assigned_staff_name",
        ]
        read_only_fields = fields

    def get_assigned_staff_name(self, service: Service) -> str | None:
        staff = service.assigned_staff
        return staff.get_full_name() if staff else None


class ServiceUpdateInput(RefusedFieldsMixin, serializers.ModelSerializer):
    """PATCH: any of the editable fields; never the status, entitlement or organization."""

    assigned_staff_id = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_staff=True, is_active=True),
        source="assigned_staff",
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Service
        fields = [
            "name",
            "lifecycle",
            "description",
            "metadata",
            "category",
            "priority",
            "start_date",
            "assigned_staff_id",
        ]

    # Sent by mistake, these would be silently ignored: say why they are refused instead.
    fixed_fields = {
        "status": "The status changes only through the transition actions.",
        "entitlement_id": "The entitlement of a service cannot be changed.",
        "organization_id": "The organization comes from the entitlement.",
    }


class ServiceCreateInput(ServiceUpdateInput):
    """POST: the SVC entitlement (in the header's organization; staff without one: any)."""

    entitlement_id = serializers.PrimaryKeyRelatedField(
        queryset=Entitlement.objects.none(), source="entitlement"
    )

    class Meta(ServiceUpdateInput.Meta):
        fields = ["entitlement_id", *ServiceUpdateInput.Meta.fields]

    def __init__(self, *args, org: Organization | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entitlement_id"].queryset = Entitlement.objects.for_org(org)


TransitionInput = history.TransitionInput  # the shared body of transition actions
