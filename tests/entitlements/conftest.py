"""Fixtures for the entitlement tests: entitlements reached through the real actions."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization, User
from entitlements import actions
from entitlements.models import Entitlement
from tests.conftest import client_for

Status = Entitlement.Status


def reach(entitlement: Entitlement, status: str, actor: User | None = None) -> Entitlement:
    """Walk the real lifecycle from active to `status` (history rows included)."""
    if status == Status.SUSPENDED:
        return actions.entitlement_suspend(entitlement=entitlement, actor=actor)
    if status == Status.EXPIRED:
        return actions.entitlement_expire(entitlement=entitlement, actor=actor)
    if status == Status.CANCELLED:
        return actions.entitlement_cancel(entitlement=entitlement, actor=actor, reason="test")
    return entitlement


@pytest.fixture
def make_entitlement(org, staff) -> Callable[..., Entitlement]:
    """make_entitlement(status="active", organization=org, entitlement_class="ENV", **fields)."""

    def make(status: str = Status.ACTIVE, **fields: Any) -> Entitlement:
        fields.setdefault("organization", org)
        fields.setdefault("entitlement_class", "ENV")
        fields.setdefault("product_name", "Moodle Hosting")
        entitlement = actions.entitlement_create(actor=staff, **fields)
        return reach(entitlement, status, staff)

    return make


@pytest.fixture
def entitlement(make_entitlement) -> Entitlement:
    return make_entitlement(entitlement_class="PLG", product_name="Campus EAD")


@pytest.fixture
def other_entitlement(make_entitlement, other_org) -> Entitlement:
    return make_entitlement(organization=other_org, product_name="Other Hosting")


@pytest.fixture
def staff_org_api(staff, org: Organization) -> APIClient:
    """Staff with the organization header: scoped to `org` like a client."""
    return client_for(staff, org)
