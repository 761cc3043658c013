"""Reads shared by the API, the admin and the commands."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from entitlements.models import Entitlement


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
