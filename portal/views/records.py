"""The home page and the organization's records: entitlements, environments, services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from entitlements.api.filters import EntitlementFilter
from entitlements.models import Entitlement, EntitlementClass, EntitlementStatusChange, Order
from entitlements.queries import access_entitlement_by_id
from environments.api.filters import EnvironmentFilter
from environments.models import Environment, EnvironmentStatusChange
from environments.queries import access_environment_by_id
from portal import forms
from portal.base import may, open_invitations, portal_page, show
from portal.views.common import (
    PER_PAGE,
    api_filtered,
    current_org,
    page_of,
    query_without_page,
    with_promises,
)
from services.api.filters import ServiceFilter
from services.models import Service, ServiceStatusChange
from services.queries import access_service_by_id
from tickets.models import Ticket

# --- home ---------------------------------------------------------------------------------


@portal_page(scope=None)
def home(request: HttpRequest) -> HttpResponse:
    """Open requests with their SLA promise, environments, entitlements expiring within 30
    days, recent activity (for members holding the `entitlements` scope, as the API allows)."""
    org = current_org(request)
    context: dict[str, Any] = {"invitations": open_invitations(request.user)}
    if may(request.portal, request.user, scope="entitlements", write=False):
        now = timezone.now()
        tickets = Ticket.objects.for_org(org)
        context.update(
            open_requests=with_promises(
                list(
                    tickets.unresolved()
                    .select_related("environment")
                    .order_by("-created_at", "-id")[:10]
                )
            ),
            environments=list(
                Environment.objects.for_org(org)
                .exclude(status=Environment.Status.DECOMMISSIONED)
                .order_by("name", "id")[:10]
            ),
            expiring=list(
                Entitlement.objects.for_org(org)
                .filter(
                    status=Entitlement.Status.ACTIVE,
                    expires_at__gte=now,
                    expires_at__lte=now + timedelta(days=30),
                )
                .order_by("expires_at", "id")[:10]
            ),
            recent=list(tickets.order_by("-updated_at")[:8]),
        )
    return show(request, "portal/home.html", context)


# --- entitlements, environments, services -------------------------------------------------


@portal_page()
def entitlement_list(request: HttpRequest) -> HttpResponse:
    form = forms.EntitlementFilterForm(request.GET or None)
    valid = form.filters()
    params = {
        "class": valid.get("entitlement_class"),
        "status": valid.get("status"),
        "search": valid.get("q"),
    }
    qs = api_filtered(
        EntitlementFilter,
        Entitlement.objects.for_org(current_org(request)),
        {k: v for k, v in params.items() if v},
    )
    page = page_of(request, qs, one_scan=bool(params["search"]))
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return show(
        request,
        "portal/entitlements/list.html",
        context,
        fragment="portal/entitlements/_results.html",
    )


@portal_page()
def entitlement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entitlement = access_entitlement_by_id(current_org(request), pk)
    licenses = (
        list(entitlement.licenses.order_by("-created_at", "-id")[:50])
        if entitlement.entitlement_class == EntitlementClass.PLG
        else []
    )
    context = {
        "entitlement": entitlement,
        "orders": list(
            Order.objects.filter(links__entitlement=entitlement).order_by("-date_created", "-id")[
                :50
            ]
        ),
        "licenses": licenses,
        "contracts": list(entitlement.contracts.order_by("-start_date", "-id")[:50]),
        "history": list(
            EntitlementStatusChange.objects.filter(subject=entitlement)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
    }
    return show(request, "portal/entitlements/detail.html", context)


@portal_page()
def environment_list(request: HttpRequest) -> HttpResponse:
    form = forms.EnvironmentFilterForm(request.GET or None)
    valid = form.filters()
    valid.pop("q", None)
    qs = api_filtered(
        EnvironmentFilter,
        Environment.objects.for_org(current_org(request)).order_by("name", "id"),
        valid,
    )
    context = {"form": form, "page": page_of(request, qs), "query": query_without_page(request)}
    return show(
        request,
        "portal/environments/list.html",
        context,
        fragment="portal/environments/_results.html",
    )


def _record_tickets(field: str, record: Any) -> list[Ticket]:
    return with_promises(
        list(
            Ticket.objects.filter(**{field: record})
            .select_related("environment")
            .order_by("-created_at", "-id")[:PER_PAGE]
        )
    )


@portal_page()
def environment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    environment = access_environment_by_id(current_org(request), pk)
    context = {
        "environment": environment,
        "history": list(
            EnvironmentStatusChange.objects.filter(subject=environment)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        "tickets": _record_tickets("environment", environment),
    }
    return show(request, "portal/environments/detail.html", context)


@portal_page()
def service_list(request: HttpRequest) -> HttpResponse:
    form = forms.ServiceFilterForm(request.GET or None)
    valid = form.filters()
    valid.pop("q", None)
    qs = api_filtered(
        ServiceFilter, Service.objects.for_org(current_org(request)).order_by("name", "id"), valid
    )
    context = {"form": form, "page": page_of(request, qs), "query": query_without_page(request)}
    return show(
        request, "portal/services/list.html", context, fragment="portal/services/_results.html"
    )


@portal_page()
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = access_service_by_id(current_org(request), pk)
    context = {
        "service": service,
        "history": list(
            ServiceStatusChange.objects.filter(subject=service)
            .select_related("changed_by")
            .order_by("changed_at", "id")
        ),
        "tickets": _record_tickets("service", service),
    }
    return show(request, "portal/services/detail.html", context)
