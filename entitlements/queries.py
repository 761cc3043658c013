"""Reads shared by the API, the admin and the commands."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from accounts.tenancy import access_by_id
from entitlements.models import Entitlement, EntitlementClass


def entitlement_list_past_expiry(
    *, now: datetime | None = None, org: Organization | None = None
) -> QuerySet[Entitlement]:
    """Active or suspended entitlements whose expires_at has passed: the ones to expire."""
    return (
        Entitlement.objects.for_org(org)
        .filter(
            status__in=[Entitlement.Status.ACTIVE, Entitlement.Status.SUSPENDED],
            expires_at__lte=now or timezone.now(),
        )
        .select_related("organization")
        .order_by("expires_at", "id")
    )


def sole_active_env_entitlement(org: Organization) -> Entitlement:
    """The organization's only active ENV entitlement, which a ticket naming no environment or
    entitlement belongs to; Entitlement.DoesNotExist when it has none, MultipleObjectsReturned
    when it has several."""
    found = list(
        Entitlement.objects.for_org(org).filter(
            entitlement_class=EntitlementClass.ENV, status=Entitlement.Status.ACTIVE
        )[:2]
    )
    if not found:
        raise Entitlement.DoesNotExist(f"Organization {org.pk} has no active ENV entitlement.")
    if len(found) > 1:
        raise Entitlement.MultipleObjectsReturned(
            f"Organization {org.pk} has several active ENV entitlements."
        )
    return found[0]


def access_entitlement_by_id(
    org: Organization | None, pk: int, *, staff: bool = False
) -> Entitlement:
    """The organization's entitlement, or NotFound (404): another organization's does not exist
    for the caller. Staff without an organization (`org` None) reach every organization's."""
    return access_by_id(Entitlement, org, pk, staff=staff)
