"""Reads shared by the API, the compatibility APIs, the admin and the commands."""

from __future__ import annotations

from accounts.models import Organization
from accounts.tenancy import access_by_id
from services.models import Service


def access_service_by_id(org: Organization | None, pk: int, *, staff: bool = False) -> Service:
    """The organization's service, or NotFound (404): another organization's does not exist for
    the caller. Staff without an organization (`org` None) reach every organization's."""
    return access_by_id(Service, org, pk, staff=staff, related=("entitlement",))
