"""Service output (seed 000: list and detail) and staff input serializers."""

from rest_framework import serializers

from accounts import history
from accounts.access import ScopedIdField
from accounts.models import User
from entitlements.api.records import (
    EntitlementInput,
    RecordInput,
    RecordSerializer,
    input_fields,
    list_fields,
)
from services import actions
from services.models import Service

LIST_FIELDS = list_fields("lifecycle")


class ServiceSerializer(RecordSerializer):
    """The list item of seed 000."""

    class Meta:
        model = Service
        fields = LIST_FIELDS


class ServiceDetailSerializer(ServiceSerializer):
    """Seed 000's detail (description, metadata, updated_at) plus how the work is organized."""

    assigned_staff_id = serializers.IntegerField(read_only=True, allow_null=True)
    assigned_staff_name = serializers.SerializerMethodField()

    class Meta:
        model = Service
        fields = [
            *list_fields("lifecycle", "description"),
            "metadata",
            "updated_at",
            "category",
            "priority",
            "start_date",
            "assigned_staff_id",
            "assigned_staff_name",
        ]

    def get_assigned_staff_name(self, service: Service) -> str | None:
        staff = service.assigned_staff
        return staff.get_full_name() if staff else None


class ServiceUpdateInput(RecordInput):
    """PATCH: any of the editable fields; never the status, entitlement or organization."""

    assigned_staff_id = ScopedIdField(
        scope=lambda _org: User.objects.filter(is_staff=True, is_active=True),  # any organization
        source="assigned_staff",
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Service
        fields = input_fields(actions.KIND)


class ServiceCreateInput(EntitlementInput, ServiceUpdateInput):
    """POST: the SVC entitlement (in the header's organization; staff without one: any)."""


TransitionInput = history.TransitionInput  # the shared body of transition actions
