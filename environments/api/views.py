"""Environments (seed 001): clients read their organization's; staff also create, edit and move them."""

from drf_spectacular.utils import extend_schema

from entitlements.api.records import EntitlementRecordViewSet
from environments import actions
from environments.api import serializers as s
from environments.api.filters import EnvironmentFilter
from environments.models import Environment

MESSAGES = {
    "activate": "Environment activated",
    "start_maintenance": "Environment maintenance started",
    "end_maintenance": "Environment maintenance ended",
    "suspend": "Environment suspended",
    "reactivate": "Environment reactivated",
    "decommission": "Environment decommissioned",
}


@extend_schema(tags=["environments"])
class EnvironmentViewSet(EntitlementRecordViewSet):
    """Managed hosting environments, one per ENV entitlement. Scope `entitlements`."""

    model = Environment
    filterset_class = EnvironmentFilter
    list_serializer = s.EnvironmentSerializer
    detail_serializer = s.EnvironmentDetailSerializer
    create_input = s.EnvironmentCreateInput
    update_input = s.EnvironmentUpdateInput
    create_record = staticmethod(actions.environment_create)
    update_record = staticmethod(actions.environment_update)
    create_doc = (
        "Staff only: provision the environment of an active ENV entitlement (one per entitlement)."
    )
    transitions = actions.TRANSITIONS
    transition_messages = MESSAGES
