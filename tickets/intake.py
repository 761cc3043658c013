"""The rules of what a service request is made of, shared by every write in tickets.actions: the
text fields, the priority, the target (entitlement, environment or service) and its organization,
who may open a request and for whom, the writer check of every conversation action."""

from __future__ import annotations

from typing import Any

from accounts import tenancy
from accounts.models import Membership, Organization, User
from entitlements.errors import EntitlementNotActive
from entitlements.models import Entitlement, EntitlementClass
from environments.errors import EnvironmentDecommissioned
from environments.models import Environment
from services.models import Service
from tickets.errors import (
    EntitlementClassForbidden,
    Reason,
    TicketForbidden,
    TicketInvalid,
    TicketNotFound,
)
from tickets.models import Priority


def require_writer(actor: User | None, org_id: int) -> Membership | None:
    """Staff, or a live member of the organization with scope `entitlements`, above guest."""
    return tenancy.require_member(
        actor,
        org_id,
        not_member="You are not a member of this service request's organization.",
        error=TicketForbidden,
    )


def clean_text(value: Any, field: str, label: str, max_length: int | None = None) -> str:
    text = str(value or "").strip()
    if not text:
        raise TicketInvalid(f"{label} is required.", field=field)
    if max_length and len(text) > max_length:
        raise TicketInvalid(f"{label} has at most {max_length} characters.", field=field)
    return text


def clean_priority(value: Any) -> str:
    if value not in Priority.values:
        raise TicketInvalid(
            f"Priority must be one of: {', '.join(Priority.values)}.", field="priority"
        )
    return str(value)


def environment_of(entitlement: Entitlement) -> Environment | None:
    """The environment of an ENV entitlement (one query, none when the API joined it in)."""
    try:
        return entitlement.environment
    except Environment.DoesNotExist:
        return None


def resolve_target(
    entitlement: Entitlement | None, environment: Environment | None, service: Service | None
) -> Entitlement:
    """The entitlement the request is raised against; a service or environment implies it."""
    if environment is not None and service is not None:
        raise TicketInvalid("Name an environment or a service, not both.", field="service_id")
    target = environment or service
    if target is not None:
        if entitlement is not None and entitlement.pk != target.entitlement_id:
            raise TicketInvalid(
                f"The {target._meta.verbose_name} belongs to another entitlement.",
                field="entitlement_id",
            )
        return target.entitlement
    if entitlement is None:
        raise TicketInvalid(
            "Name the entitlement (entitlement_id, environment_id or service_id).",
            field="entitlement_id",
        )
    return entitlement


def organization_of(entitlement: Entitlement, org: Organization | None) -> Organization:
    """The request's organization: the entitlement's; a standalone one's is named by the caller."""
    organization = entitlement.organization
    if organization is None:
        if org is None:
            raise TicketInvalid(
                f"Entitlement {entitlement.code} belongs to no organization; name one.",
                field="organization_id",
            )
        return org
    if org is not None and organization.pk != org.pk:
        raise TicketNotFound(f"Entitlement {entitlement.pk} not found in this organization.")
    return organization


def check_client_may_open(
    actor: User,
    organization: Organization,
    entitlement: Entitlement,
    environment: Environment | None,
    service: Service | None,
    requester: User | None,
) -> None:
    """Clients open requests for themselves, against an active ENV entitlement of their org."""
    require_writer(actor, organization.pk)
    if service is not None or entitlement.entitlement_class != EntitlementClass.ENV:
        raise EntitlementClassForbidden(
            f"Clients open service requests only against environment (ENV) entitlements; "
            f"{entitlement.code} is a {entitlement.get_entitlement_class_display()} "
            f"({entitlement.entitlement_class}) entitlement. Ask MIDDAG staff to open it."
        )
    if requester is not None and requester.pk != actor.pk:
        raise TicketForbidden("Only MIDDAG staff may open a request on someone else's behalf.")
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise EntitlementNotActive(
            f"Entitlement {entitlement.code} is {entitlement.status}; service requests need "
            "an active entitlement.",
            reason=Reason.ENTITLEMENT_NOT_ACTIVE,
        )
    if environment is not None and environment.status == Environment.Status.DECOMMISSIONED:
        raise EnvironmentDecommissioned(
            f"Environment {environment.name} is decommissioned; it takes no service requests.",
            reason=Reason.ENVIRONMENT_DECOMMISSIONED,
        )


def requester_for(actor: User | None, requester: User | None, organization: Organization) -> User:
    """The requester: the actor, or (staff) a live member of the organization."""
    requester = requester or actor
    if requester is None:
        raise TicketInvalid("A requester is required.", field="requester_id")
    if requester != actor and not tenancy.is_live_member(requester, organization.pk):
        raise TicketInvalid(
            "The requester must be a member of the organization.", field="requester_id"
        )
    return requester


def resolution_fields(close: bool, resolution_type: str, subject: str) -> tuple[str, str]:
    """A request closed as it is opened needs its resolution type and subject; others keep none."""
    if not close:
        return "", ""
    return (
        clean_text(resolution_type, "resolution_type", "A resolution type", 80),
        clean_text(subject, "resolution_subject", "A resolution subject", 200),
    )
