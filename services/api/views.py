"""Services (seed 000): clients read their organization's; staff also create, edit and move them."""

from drf_spectacular.utils import extend_schema

from entitlements.api.records import EntitlementRecordViewSet
from services import actions
from services.api import serializers as s
from services.api.filters import ServiceFilter
from services.models import Service

MESSAGES = {
    "approve": "Service approved",
    "start": "Service started",
    "hold": "Service put on hold",
    "resume": "Service resumed",
    "deliver": "Service delivered",
    "rework": "Service back in progress",
    "close": "Service closed",
    "cancel": "Service cancelled",
}


@extend_schema(tags=["services"])
class ServiceViewSet(EntitlementRecordViewSet):
    """Professional services and projects of SVC entitlements. Scope `entitlements`."""

    model = Service
    filterset_class = ServiceFilter
    list_serializer = s.ServiceSerializer
    detail_serializer = s.ServiceDetailSerializer
    create_input = s.ServiceCreateInput
    update_input = s.ServiceUpdateInput
    create_record = staticmethod(actions.service_create)
    update_record = staticmethod(actions.service_update)
    create_doc = "Staff only: open a service proposal under an active SVC entitlement."
    detail_related = ("assigned_staff",)
    transitions = actions.TRANSITIONS
    transition_messages = MESSAGES
