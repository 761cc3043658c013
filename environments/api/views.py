"""Environments (seed 001): clients read their organization's; staff also create, edit and move them."""

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import COMPANY_HEADER_PARAMETER, ORG_HEADER_PARAMETER, OrgScopedViewSet
from config.api import respond
from config.history import HistoryMixin, transition_action
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


def _transition_view(name: str) -> Callable:
    """`POST /environments/{id}/{name}` (hyphenated) running `actions.TRANSITIONS[name]`."""
    return transition_action(
        name,
        run=actions.TRANSITIONS[name],
        subject="environment",
        output=s.EnvironmentDetailSerializer,
        message=MESSAGES[name],
    )


@extend_schema_view(
    list=extend_schema(parameters=[ORG_HEADER_PARAMETER, COMPANY_HEADER_PARAMETER]),
    retrieve=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
    history=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
)
@extend_schema(tags=["environments"])
class EnvironmentViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """Managed hosting environments, one per ENV entitlement. Scope `entitlements`."""

    model = Environment
    filterset_class = EnvironmentFilter
    lookup_value_regex = r"[0-9]{1,18}"
    staff_only_actions = ("create", "partial_update", *actions.TRANSITIONS)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.select_related("entitlement")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "list":
            return s.EnvironmentSerializer
        return s.EnvironmentDetailSerializer

    @extend_schema(request=s.EnvironmentCreateInput, responses={201: s.EnvironmentDetailSerializer})
    def create(self, request: Request) -> Response:
        """Staff only: provision the environment of an active ENV entitlement (one per entitlement)."""
        inp = s.EnvironmentCreateInput(data=request.data, org=self.org)
        inp.is_valid(raise_exception=True)
        environment = actions.environment_create(actor=request.user, **inp.validated_data)
        return respond(
            s.EnvironmentDetailSerializer(environment).data,
            status=201,
            message="Environment created",
        )

    @extend_schema(request=s.EnvironmentUpdateInput, responses={200: s.EnvironmentDetailSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Staff only: change an environment's details (not its status)."""
        environment = self.get_object()
        inp = s.EnvironmentUpdateInput(data=request.data, partial=True)
        inp.is_valid(raise_exception=True)
        environment = actions.environment_update(
            environment=environment, actor=request.user, **inp.validated_data
        )
        return respond(
            s.EnvironmentDetailSerializer(environment).data, message="Environment updated"
        )

    activate = _transition_view("activate")
    start_maintenance = _transition_view("start_maintenance")
    end_maintenance = _transition_view("end_maintenance")
    suspend = _transition_view("suspend")
    reactivate = _transition_view("reactivate")
    decommission = _transition_view("decommission")
