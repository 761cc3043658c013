"""Entitlements (seed 004, SPEC §2). Thin: scoping in OrgScopedViewSet, rules in actions."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from accounts.access import COMPANY_HEADER_PARAMETER, ORG_HEADER_PARAMETER, OrgScopedViewSet
from accounts.history import HistoryMixin, transition_action
from config.api import respond
from entitlements import actions
from entitlements.api import serializers as s
from entitlements.api.filters import EntitlementFilter, ListFilterBackend
from entitlements.models import Entitlement, EntitlementClass, License, Order

TRANSITION_ACTIONS = tuple(actions.TRANSITIONS)


def _transition(
    name: str, summary: str, message: str, input_class: type[Serializer] = s.TransitionInput
) -> Callable:
    """`POST /entitlements/{id}/<name>` through the one transition factory (accounts.history)."""
    return transition_action(
        name,
        run=actions.TRANSITIONS[name],
        subject="entitlement",
        output=s.EntitlementSerializer,
        message=message,
        input_class=input_class,
        summary=summary,
    )


@extend_schema_view(
    list=extend_schema(summary="List organization entitlements"),
    retrieve=extend_schema(summary="Entitlement details"),
)
@extend_schema(tags=["entitlements"], parameters=[ORG_HEADER_PARAMETER, COMPANY_HEADER_PARAMETER])
class EntitlementViewSet(
    HistoryMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgScopedViewSet
):
    """Clients read their organization's entitlements; staff read all and write."""

    model = Entitlement
    filterset_class = EntitlementFilter
    filter_backends = [ListFilterBackend]  # the list's filters, on the list action only
    company_field = "company"  # standalone entitlements have a company too
    staff_only_actions = ("create", "partial_update", *TRANSITION_ACTIONS)
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_serializer_class(self) -> type[BaseSerializer]:
        return s.EntitlementListSerializer if self.action == "list" else s.EntitlementSerializer

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "org": self.org}

    def _page(self, queryset: QuerySet, serializer_class: type[Serializer]) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)

    @extend_schema(
        summary="Lookup by code",
        parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)],
        responses={200: s.EntitlementSerializer},
    )
    @action(detail=False, methods=["get"], url_path=r"code/(?P<code>[^/]+)")
    def code(self, request: Request, code: str) -> Response:
        entitlement = get_object_or_404(self.get_queryset(), code=code.strip().upper())
        return Response(s.EntitlementSerializer(entitlement).data)

    @extend_schema(summary="Linked orders", responses={200: s.OrderSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def orders(self, request: Request, pk: str | None = None) -> Response:
        entitlement = self.get_object()
        orders = Order.objects.filter(links__entitlement=entitlement).order_by(
            "-date_created", "-id"
        )
        return self._page(orders, s.OrderSerializer)

    @extend_schema(
        summary="Linked licenses (PLG only; empty for other classes)",
        responses={200: s.LicenseSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def licenses(self, request: Request, pk: str | None = None) -> Response:
        entitlement = self.get_object()
        if entitlement.entitlement_class != EntitlementClass.PLG:
            licenses = License.objects.none()
        else:
            licenses = (
                entitlement.licenses.select_related("entitlement")
                .prefetch_related("activations")
                .order_by("-created_at", "-id")
            )
        return self._page(licenses, s.LicenseSerializer)

    @extend_schema(summary="Linked contracts", responses={200: s.ContractSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def contracts(self, request: Request, pk: str | None = None) -> Response:
        entitlement = self.get_object()
        return self._page(
            entitlement.contracts.order_by("-start_date", "-id"), s.ContractSerializer
        )

    # --- staff writes -----------------------------------------------------------------------

    @extend_schema(
        summary="Create an entitlement (staff)",
        request=s.EntitlementCreateInput,
        responses={201: s.EntitlementSerializer},
    )
    def create(self, request: Request) -> Response:
        inp = s.EntitlementCreateInput(data=request.data, context=self.get_serializer_context())
        inp.is_valid(raise_exception=True)
        data = dict(inp.validated_data)
        data.setdefault("organization", self.org)
        entitlement = actions.entitlement_create(actor=request.user, **data)
        return respond(
            s.EntitlementSerializer(entitlement).data, status=201, message="Entitlement created"
        )

    @extend_schema(
        summary="Change non-status fields (staff)",
        request=s.EntitlementUpdateInput,
        responses={200: s.EntitlementSerializer},
    )
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        entitlement = self.get_object()
        inp = s.EntitlementUpdateInput(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        inp.is_valid(raise_exception=True)
        entitlement = actions.entitlement_update(
            entitlement=entitlement, actor=request.user, **inp.validated_data
        )
        return respond(s.EntitlementSerializer(entitlement).data, message="Entitlement updated")

    suspend = _transition("suspend", "Suspend (staff)", "Entitlement suspended")
    reactivate = _transition("reactivate", "Reactivate (staff)", "Entitlement reactivated")
    expire = _transition("expire", "Expire (staff)", "Entitlement expired")
    renew = _transition(
        "renew", "Renew (staff): expires_at moves forward", "Entitlement renewed", s.RenewInput
    )
    cancel = _transition(
        "cancel", "Cancel (staff; reason required)", "Entitlement cancelled", s.CancelInput
    )
    win_back = _transition(
        "win_back", "Win back within 90 days of cancellation (staff)", "Entitlement won back"
    )
