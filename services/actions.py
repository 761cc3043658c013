"""Every write on services: create, update and the lifecycle.

Lifecycle (SPEC §3): proposal → approved (`approve`) → in_progress (`start`) ⇄ on_hold (`hold`,
`resume`); any non-terminal → cancelled (`cancel`, terminal).
- A project is delivered (`deliver`, from in_progress), may go back to work (`rework`, delivered →
  in_progress) and is closed once delivered (`close`, terminal).
- An ongoing service is never delivered: it stays in_progress and only moves to on_hold, closed
  (from in_progress or on_hold) or cancelled.
The lifecycle (project/ongoing) is chosen before work starts: it changes only in proposal or
approved. Closed and cancelled services no longer change.
Only staff (or the system, `actor=None`) create, edit, assign and move services; edits and
assignments are audited (entitlements.records).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.models import User
from config.numbering import business_time
from entitlements.models import Entitlement, EntitlementClass
from entitlements.records import RecordKind
from services import errors
from services.models import Service

Status = Service.Status
Lifecycle = Service.Lifecycle


def _check_assignee(staff: User | None) -> None:
    if staff is not None and not staff.is_staff:
        raise errors.NotStaff(
            f"{staff.email} is not a MIDDAG staff member; services are assigned to staff.",
            field="assigned_staff_id",
        )


KIND = RecordKind(
    model=Service,
    reasons=errors.Reason,
    entitlement_class=EntitlementClass.SVC,
    not_of_class=errors.NotAnSvcEntitlement,
    standalone=errors.StandaloneEntitlement,
    editable=(
        "name",
        "lifecycle",
        "description",
        "metadata",
        "category",
        "priority",
        "start_date",
        "assigned_staff",
    ),
    active_rule="services are opened only under active entitlements",
    field_checks={"assigned_staff": _check_assignee},
    assignment="assigned_staff",
)
EDITABLE_FIELDS = frozenset(KIND.editable)
TERMINAL = (Status.CLOSED, Status.CANCELLED)
LIFECYCLE_OPEN = (Status.PROPOSAL, Status.APPROVED)


def check_entitlement_for_service(entitlement: Entitlement) -> None:
    """A service needs an active SVC entitlement that belongs to an organization."""
    KIND.check_entitlement(entitlement)


def check_service_update(service: Service, fields: dict[str, Any]) -> None:
    """Finished services are frozen; the lifecycle changes only before work starts."""
    KIND.check_fields(fields)
    if service.status in TERMINAL:
        raise errors.ServiceFinished(
            f"Service {service.pk} is '{service.status}'; it can no longer change."
        )
    lifecycle = fields.get("lifecycle", service.lifecycle)
    if lifecycle != service.lifecycle and service.status not in LIFECYCLE_OPEN:
        raise errors.LifecycleLocked(
            f"Service {service.pk} is '{service.status}'; its lifecycle can change only in "
            "proposal or approved."
        )


@transaction.atomic
def service_create(
    *,
    actor: User | None,
    entitlement: Entitlement,
    name: str,
    lifecycle: str = Lifecycle.PROJECT,
    reason: str = "",
    **details: Any,
) -> Service:
    """Open a service proposal under an active SVC entitlement, in its organization."""
    fields = {"name": name, "lifecycle": lifecycle, **details}
    return KIND.create(actor=actor, entitlement=entitlement, fields=fields, reason=reason)


@transaction.atomic
def service_update(*, service: Service, actor: User | None, **fields: Any) -> Service:
    """Change a service's details (never its status, entitlement or organization)."""
    return KIND.update(service, actor=actor, fields=fields, check=check_service_update)


@transaction.atomic
def service_assign(*, service: Service, actor: User | None, assignee: User | None) -> Service:
    """Staff assign a service to a staff member; None unassigns. Audited as an assignment."""
    return service_update(service=service, actor=actor, assigned_staff=assignee)


def _lifecycle_transition(
    service: Service, name: str, *, actor: User | None, reason: str, notes: str
) -> Service:
    """deliver, rework, close: explain a refusal by the lifecycle, not only by the status."""
    current = Service.objects.select_for_update().get(pk=service.pk)
    ongoing = current.lifecycle == Lifecycle.ONGOING
    if name in ("deliver", "rework") and ongoing and current.status not in TERMINAL:
        raise errors.LifecycleTransitionNotAllowed(
            f"Cannot {name} service {current.pk} (status '{current.status}'): an ongoing service "
            "is never delivered; it stays in progress until closed or cancelled."
        )
    if name == "close" and not ongoing and current.status in (Status.IN_PROGRESS, Status.ON_HOLD):
        raise errors.LifecycleTransitionNotAllowed(
            f"Cannot close project {current.pk} (status '{current.status}'): a project is closed "
            "once delivered."
        )
    return KIND.run(current, name, actor=actor, reason=reason, notes=notes)


def _start(service: Service, name: str, *, actor: User | None, reason: str, notes: str) -> Service:
    """The start date defaults to the day work starts."""
    service = KIND.run(service, name, actor=actor, reason=reason, notes=notes)
    if service.start_date is None:
        service.start_date = business_time().date()
        service.save(update_fields=["start_date", "updated_at"])
    return service


service_approve = KIND.transition("approve", "Proposal → approved.")
service_start = KIND.transition(
    "start", "Approved → in progress; the start date defaults to today.", _start
)
service_hold = KIND.transition("hold", "In progress → on hold.")
service_resume = KIND.transition("resume", "On hold → in progress.")
service_deliver = KIND.transition(
    "deliver",
    "A project in progress → delivered (ongoing services are never delivered).",
    _lifecycle_transition,
)
service_rework = KIND.transition(
    "rework", "A delivered project → back in progress.", _lifecycle_transition
)
service_close = KIND.transition(
    "close",
    "Closed for good: a project once delivered, an ongoing service from in progress or hold.",
    _lifecycle_transition,
)
service_cancel = KIND.transition("cancel", "Any non-terminal status → cancelled, for good.")

TRANSITIONS: dict[str, Callable[..., Service]] = {
    "approve": service_approve,
    "start": service_start,
    "hold": service_hold,
    "resume": service_resume,
    "deliver": service_deliver,
    "rework": service_rework,
    "close": service_close,
    "cancel": service_cancel,
}
