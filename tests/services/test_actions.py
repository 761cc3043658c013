"""Service actions: creation rules, updates, and both lifecycles (project and ongoing)."""

import pytest

from config.errors import Invalid
from config.fsm import TransitionConflict
from services import actions, errors
from services.models import Service, ServiceStatusChange
from tests.factories import EntitlementFactory, ServiceFactory, UserFactory
from tests.helpers import moves

Status = Service.Status

COMMON = moves(
    """
    proposal     approve  approved
    proposal     cancel   cancelled
    approved     start    in_progress
    approved     cancel   cancelled
    in_progress  hold     on_hold
    in_progress  cancel   cancelled
    on_hold      resume   in_progress
    on_hold      cancel   cancelled
    """
)
PROJECT_ONLY = moves(
    """
    in_progress  deliver  delivered
    delivered    rework   in_progress
    delivered    close    closed
    delivered    cancel   cancelled
    """
)
ONGOING_ONLY = moves(
    """
    in_progress  close  closed
    on_hold      close  closed
    """
)
ALLOWED = {"project": COMMON | PROJECT_ONLY, "ongoing": COMMON | ONGOING_ONLY}
# An ongoing service never reaches delivered, so that status is only tested for projects.
STATUSES = {"project": Status.values, "ongoing": [s for s in Status.values if s != "delivered"]}
ALLOWED_CASES = [(lc, st, name) for lc, table in ALLOWED.items() for (st, name) in table]
FORBIDDEN_CASES = [
    (lc, st, name)
    for lc in ALLOWED
    for st in STATUSES[lc]
    for name in actions.TRANSITIONS
    if (st, name) not in ALLOWED[lc]
]


def _service(org, lifecycle: str, status: str) -> Service:
    return ServiceFactory(entitlement__organization=org, lifecycle=lifecycle, status=status)


def test_create_opens_a_proposal_with_history(org, svc_entitlement, staff):
    service = actions.service_create(
        actor=staff,
        entitlement=svc_entitlement,
        name="Moodle Customization Project",
        description="Theme and plugins",
        assigned_staff=staff,
        priority="high",
    )
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.status, fresh.lifecycle, fresh.organization_id) == ("proposal", "project", org.pk)
    assert (fresh.assigned_staff_id, fresh.priority) == (staff.pk, "high")
    row = ServiceStatusChange.objects.get(subject=service)
    assert (row.from_status, row.to_status, row.changed_by_id) == (None, "proposal", staff.pk)


def test_an_entitlement_holds_several_services(svc_entitlement, staff):
    for name in ("One", "Two"):
        actions.service_create(actor=staff, entitlement=svc_entitlement, name=name)
    assert svc_entitlement.services.count() == 2


@pytest.mark.parametrize("entitlement_class", ["ENV", "PLG", "ORD", "AFL", "EDU"])
def test_create_refuses_other_classes(entitlement_class, org, staff):
    entitlement = EntitlementFactory(organization=org, entitlement_class=entitlement_class)
    with pytest.raises(errors.NotAnSvcEntitlement, match="SVC-class") as exc:
        actions.service_create(actor=staff, entitlement=entitlement, name="X")
    assert exc.value.status_code == 422
    assert not Service.objects.exists()


def test_create_refuses_standalone_and_inactive_entitlements(org, staff):
    standalone = EntitlementFactory(organization=None, entitlement_class="SVC")
    with pytest.raises(errors.StandaloneEntitlement):
        actions.service_create(actor=staff, entitlement=standalone, name="X")
    cancelled = EntitlementFactory(organization=org, entitlement_class="SVC", status="cancelled")
    with pytest.raises(errors.EntitlementNotActive, match="'cancelled'"):
        actions.service_create(actor=staff, entitlement=cancelled, name="X")


def test_create_refuses_a_client_as_assignee(svc_entitlement, staff):
    with pytest.raises(errors.NotStaff):
        actions.service_create(
            actor=staff, entitlement=svc_entitlement, name="X", assigned_staff=UserFactory()
        )


def test_create_refuses_unknown_lifecycle(svc_entitlement, staff):
    with pytest.raises(Invalid, match="lifecycle must be one of"):
        actions.service_create(actor=staff, entitlement=svc_entitlement, name="X", lifecycle="x")


@pytest.mark.parametrize(("lifecycle", "status", "name"), ALLOWED_CASES)
def test_allowed_transitions(lifecycle, status, name, org, staff):
    service = _service(org, lifecycle, status)
    result = actions.TRANSITIONS[name](service=service, actor=staff, reason="plan")
    expected = ALLOWED[lifecycle][(status, name)]
    assert result.status == expected
    assert Service.objects.get(pk=service.pk).status == expected
    row = ServiceStatusChange.objects.get(subject=service)
    assert (row.from_status, row.to_status, row.transition, row.reason) == (
        status,
        expected,
        name,
        "plan",
    )


@pytest.mark.parametrize(("lifecycle", "status", "name"), FORBIDDEN_CASES)
def test_forbidden_transitions_conflict_and_change_nothing(lifecycle, status, name, org, staff):
    service = _service(org, lifecycle, status)
    with pytest.raises(TransitionConflict, match=f"'{status}'") as exc:
        actions.TRANSITIONS[name](service=service, actor=staff)
    assert exc.value.status_code == 409
    assert Service.objects.get(pk=service.pk).status == status
    assert not ServiceStatusChange.objects.exists()


@pytest.mark.parametrize("terminal", ["closed", "cancelled"])
@pytest.mark.parametrize("lifecycle", ["project", "ongoing"])
def test_closed_and_cancelled_are_terminal(terminal, lifecycle, org, staff):
    service = _service(org, lifecycle, terminal)
    for name in actions.TRANSITIONS:
        with pytest.raises(TransitionConflict):
            actions.TRANSITIONS[name](service=service, actor=staff)
    with pytest.raises(errors.ServiceFinished):
        actions.service_update(service=service, actor=staff, name="Renamed")
    assert Service.objects.get(pk=service.pk).status == terminal


def test_ongoing_service_is_never_delivered(org, staff):
    service = _service(org, "ongoing", "in_progress")
    with pytest.raises(errors.LifecycleTransitionNotAllowed, match="ongoing service"):
        actions.service_deliver(service=service, actor=staff)


def test_project_is_closed_only_once_delivered(org, staff):
    service = _service(org, "project", "in_progress")
    with pytest.raises(errors.LifecycleTransitionNotAllowed, match="once delivered"):
        actions.service_close(service=service, actor=staff)


def test_ongoing_full_life(svc_entitlement, staff):
    service = actions.service_create(
        actor=staff, entitlement=svc_entitlement, name="Retainer", lifecycle="ongoing"
    )
    for name in ("approve", "start", "hold", "resume", "hold", "close"):
        service = actions.TRANSITIONS[name](service=service, actor=staff)
    assert service.status == "closed"
    assert list(
        ServiceStatusChange.objects.filter(subject=service).values_list("to_status", flat=True)
    ) == ["proposal", "approved", "in_progress", "on_hold", "in_progress", "on_hold", "closed"]


def test_project_full_life_with_rework(svc_entitlement, staff):
    service = actions.service_create(actor=staff, entitlement=svc_entitlement, name="Project")
    for name in ("approve", "start", "deliver", "rework", "deliver", "close"):
        service = actions.TRANSITIONS[name](service=service, actor=staff)
    assert Service.objects.get(pk=service.pk).status == "closed"


def test_start_sets_the_start_date(org, staff):
    service = _service(org, "project", "approved")
    assert service.start_date is None
    assert actions.service_start(service=service, actor=staff).start_date is not None


def test_update_details(service, staff):
    updated = actions.service_update(
        service=service, actor=staff, name="Renamed", category="Design", assigned_staff=staff
    )
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.name, fresh.category, fresh.assigned_staff_id) == ("Renamed", "Design", staff.pk)
    assert updated.status == "in_progress"


@pytest.mark.parametrize(
    ("status", "allowed"),
    [("proposal", True), ("approved", True), ("in_progress", False), ("on_hold", False)],
)
def test_lifecycle_changes_only_before_work_starts(status, allowed, org, staff):
    service = _service(org, "project", status)
    if allowed:
        actions.service_update(service=service, actor=staff, lifecycle="ongoing")
        assert Service.objects.get(pk=service.pk).lifecycle == "ongoing"
    else:
        with pytest.raises(errors.LifecycleLocked):
            actions.service_update(service=service, actor=staff, lifecycle="ongoing")
        assert Service.objects.get(pk=service.pk).lifecycle == "project"
