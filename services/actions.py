"""Every write on services: create, update and the lifecycle.

Lifecycle (SPEC §3): proposal → approved (`approve`) → in_progress (`start`) ⇄ on_hold (`hold`,
`resume`); any non-terminal → cancelled (`cancel`, terminal).
- A project is delivered (`deliver`, from in_progress), may go back to work (`rework`, delivered →
  in_progress) and is closed once delivered (`close`, terminal).
- An ongoing service is never delivered: it stays in_progress and only moves to on_hold, closed
  (from in_progress or on_hold) or cancelled.
The lifecycle (project/ongoing) is chosen before work starts: it changes only in proposal or
approved. Closed and cancelled services no longer change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.models import User
from config.errors import Invalid
from config.fsm import record_change, run_transition
from config.numbering import business_time
from entitlements.models import Entitlement, EntitlementClass
from services import errors
from services.models import Service, ServiceStatusChange

Status = Service.Status
Lifecycle = Service.Lifecycle

EDITABLE_FIELDS = frozenset(
    {
        "name",
        "lifecycle",
        "description",
        "metadata",
        "category",
        "priority",
        "start_date",
        "assigned_staff",
    }
)
TERMINAL = (Status.CLOSED, Status.CANCELLED)
LIFECYCLE_OPEN = (Status.PROPOSAL, Status.APPROVED)
_CHOICES = {"lifecycle": Lifecycle.values, "priority": Service.Priority.values}


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise Invalid(f"Unknown service field(s): {', '.join(sorted(unknown))}.")
    for name, allowed in _CHOICES.items():
        if name in fields and fields[name] not in allowed:
            raise Invalid(f"{name} must be one of: {', '.join(allowed)}.", field=name)
    if "metadata" in fields and not isinstance(fields["metadata"], dict):
        raise Invalid("metadata must be a JSON object.", field="metadata")
    staff = fields.get("assigned_staff")
    if staff is not None and not staff.is_staff:
        raise errors.NotStaff(
            f"{staff.email} is not a MIDDAG staff member; services are assigned to staff.",
            field="assigned_staff_id",
        )


def check_entitlement_for_service(entitlement: Entitlement) -> None:
    """A service needs an active SVC entitlement that belongs to an organization."""
    if entitlement.entitlement_class != EntitlementClass.SVC:
        raise errors.NotAnSvcEntitlement(
            f"Services belong to SVC-class entitlements; {entitlement.code} is "
            f"{entitlement.entitlement_class}.",
            field="entitlement_id",
        )
    if entitlement.organization_id is None:
        raise errors.StandaloneEntitlement(
            f"Entitlement {entitlement.code} has no organization; a service takes its "
            "organization from its entitlement.",
            field="entitlement_id",
            reason=errors.Reason.NO_ORGANIZATION,
        )
    if entitlement.status != Entitlement.Status.ACTIVE:
        raise errors.EntitlementNotActive(
            f"Entitlement {entitlement.code} is '{entitlement.status}'; services are opened "
            "only under active entitlements.",
            reason=errors.Reason.ENTITLEMENT_NOT_ACTIVE,
        )


def check_service_update(service: Service, fields: dict[str, Any]) -> None:
    """Finished services are frozen; the lifecycle changes only before work starts."""
    _check_fields(fields)
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
    entitlement = Entitlement.objects.select_for_update().get(pk=entitlement.pk)
    check_entitlement_for_service(entitlement)
    fields = {"name": name, "lifecycle": lifecycle, **details}
    _check_fields(fields)
    service = Service.objects.create(
        entitlement=entitlement, organization_id=entitlement.organization_id, **fields
    )
    record_change(
        ServiceStatusChange,
        service,
        from_status=None,
        to_status=service.status,
        actor=actor,
        transition="create",
        reason=reason,
    )
    return service


@transaction.atomic
def service_update(*, service: Service, actor: User | None, **fields: Any) -> Service:
    """Change a service's details (never its status, entitlement or organization)."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    check_service_update(locked, fields)
    for name, value in fields.items():
        setattr(locked, name, value)
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def _transition(
    service: Service, name: str, *, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    return run_transition(
        service,
        name,
        actor=actor,
        history_model=ServiceStatusChange,
        reasons=errors.Reason,
        reason=reason,
        notes=notes,
    )


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
    return _transition(current, name, actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_approve(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """Proposal → approved."""
    return _transition(service, "approve", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_start(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """Approved → in progress; the start date defaults to today."""
    service = _transition(service, "start", actor=actor, reason=reason, notes=notes)
    if service.start_date is None:
        service.start_date = business_time().date()
        service.save(update_fields=["start_date", "updated_at"])
    return service


@transaction.atomic
def service_hold(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """In progress → on hold."""
    return _transition(service, "hold", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_resume(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """On hold → in progress."""
    return _transition(service, "resume", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_deliver(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """A project in progress → delivered (ongoing services are never delivered)."""
    return _lifecycle_transition(service, "deliver", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_rework(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """A delivered project → back in progress."""
    return _lifecycle_transition(service, "rework", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_close(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """Closed for good: a project once delivered, an ongoing service from in progress or hold."""
    return _lifecycle_transition(service, "close", actor=actor, reason=reason, notes=notes)


@transaction.atomic
def service_cancel(
    *, service: Service, actor: User | None, reason: str = "", notes: str = ""
) -> Service:
    """Any non-terminal status → cancelled, for good."""
    return _transition(service, "cancel", actor=actor, reason=reason, notes=notes)


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
