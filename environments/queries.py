"""Reads shared by the API, the compatibility APIs, the admin and the commands."""

from __future__ import annotations

from accounts.models import Organization
from accounts.tenancy import access_by_id
from environments.models import Environment


def access_environment_by_id(
    org: Organization | None, pk: int, *, staff: bool = False
) -> Environment:
    """The organization's environment, or NotFound (404): another organization's does not exist for
    the caller. Staff without an organization (`org` None) reach every organization's."""
    return access_by_id(Environment, org, pk, staff=staff, related=("entitlement",))
