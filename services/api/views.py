"""Services (seed 000): clients read their organization's; staff also create, edit and move them."""

from collections.abc import Callable

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.access import COMPANY_HEADER_PARAMETER, ORG_HEADER_PARAMETER, OrgScopedViewSet
from config.api import respond
from config.history import HistoryMixin, transition_action
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


def _transition_view(name: str) -> Callable:
    """`POST /services/{id}/{name}` running `actions.TRANSITIONS[name]`."""
    return transition_action(
        name,
        run=actions.TRANSITIONS[name],
        subject="service",
        output=s.ServiceDetailSerializer,
        message=MESSAGES[name],
    )


@extend_schema_view(
    list=extend_schema(parameters=[ORG_HEADER_PARAMETER, COMPANY_HEADER_PARAMETER]),
    retrieve=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
    history=extend_schema(parameters=[ORG_HEADER_PARAMETER]),
)
@extend_schema(tags=["services"])
class ServiceViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """Professional services and projects of SVC entitlements. Scope `entitlements`."""

    model = Service
    filterset_class = ServiceFilter
    lookup_value_regex = r"[0-9]{1,18}"
    staff_only_actions = ("create", "partial_update", *actions.TRANSITIONS)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scope_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            return qs.select_related("entitlement")
        return qs.select_related("entitlement", "assigned_staff")

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "list":
            return s.ServiceSerializer
        return s.ServiceDetailSerializer

    @extend_schema(request=s.ServiceCreateInput, responses={201: s.ServiceDetailSerializer})
    def create(self, request: Request) -> Response:
        """Staff only: open a service proposal under an active SVC entitlement."""
        inp = s.ServiceCreateInput(data=request.data, org=self.org)
        inp.is_valid(raise_exception=True)
        service = actions.service_create(actor=request.user, **inp.validated_data)
        return respond(
            s.ServiceDetailSerializer(service).data, status=201, message="Service created"
        )

    @extend_schema(request=s.ServiceUpdateInput, responses={200: s.ServiceDetailSerializer})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Staff only: change a service's details (not its status)."""
        service = self.get_object()
        inp = s.ServiceUpdateInput(data=request.data, partial=True)
        inp.is_valid(raise_exception=True)
        service = actions.service_update(service=service, actor=request.user, **inp.validated_data)
        return respond(s.ServiceDetailSerializer(service).data, message="Service updated")

    approve = _transition_view("approve")
    start = _transition_view("start")
    hold = _transition_view("hold")
    resume = _transition_view("resume")
    deliver = _transition_view("deliver")
    rework = _transition_view("rework")
    close = _transition_view("close")
    cancel = _transition_view("cancel")
