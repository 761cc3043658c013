"""Service actions decide who may edit and assign and audit both themselves (issue 12, "one
house"): the API, the admin and the commands get the same answer because none decides. What
services share with environments (creation, transitions) is in
tests/test_environment_and_service_actions.py."""

import pytest

from audit.actions import entries_for
from audit.models import AuditEntry
from config.errors import Forbidden
from services import actions, errors
from services.models import Service
from tests.conftest import API
from tests.factories import ServiceFactory, StaffFactory

Status = Service.Status
Action = AuditEntry.Action


def _service(org, status: str, **fields) -> Service:
    return ServiceFactory(entitlement__organization=org, status=status, **fields)


def test_a_client_may_not_assign(owner, service, staff):
    with pytest.raises(Forbidden) as exc:
        actions.service_assign(service=service, actor=owner, assignee=staff)
    assert exc.value.status_code == 403
    assert Service.objects.get(pk=service.pk).assigned_staff_id is None
    assert not entries_for(service, staff=True).exists()


def test_staff_and_the_system_update_and_assign(staff_actor, service, staff):
    actions.service_update(service=service, actor=staff_actor, category="Design")
    actions.service_assign(service=service, actor=staff_actor, assignee=staff)
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.category, fresh.assigned_staff_id) == ("Design", staff.pk)
    assert [e.actor for e in entries_for(service, staff=True)] == [staff_actor, staff_actor]


def test_an_update_is_audited_with_old_and_new_values(service, staff):
    old_name = service.name
    actions.service_update(service=service, actor=staff, name="Theme", priority="high")
    entry = entries_for(service, staff=True).get()
    assert entry.action == Action.UPDATE
    assert entry.changes == {"name": [old_name, "Theme"], "priority": ["normal", "high"]}
    assert (entry.actor, entry.organization_id) == (staff, service.organization_id)


def test_an_assignment_is_audited_as_one(service, staff):
    actions.service_assign(service=service, actor=staff, assignee=staff)
    other = StaffFactory()
    actions.service_assign(service=service, actor=staff, assignee=other)
    actions.service_assign(service=service, actor=staff, assignee=None)
    entries = list(entries_for(service, staff=True))
    assert [e.action for e in entries] == [Action.ASSIGN] * 3
    assert [e.changes for e in entries] == [
        {"assigned_staff": [None, staff.pk]},
        {"assigned_staff": [staff.pk, other.pk]},
        {"assigned_staff": [other.pk, None]},
    ]


def test_an_edit_that_also_assigns_writes_both_rows(service, staff):
    actions.service_update(service=service, actor=staff, category="Design", assigned_staff=staff)
    entries = {e.action: e.changes for e in entries_for(service, staff=True)}
    assert entries == {
        Action.UPDATE: {"category": ["", "Design"]},
        Action.ASSIGN: {"assigned_staff": [None, staff.pk]},
    }


def test_an_update_that_changes_nothing_is_not_audited(org, staff):
    service = _service(org, Status.IN_PROGRESS, assigned_staff=staff)
    actions.service_update(service=service, actor=staff)
    actions.service_update(service=service, actor=staff, name=service.name, assigned_staff=staff)
    actions.service_assign(service=service, actor=staff, assignee=staff)
    assert not entries_for(service, staff=True).exists()


def test_assignment_keeps_the_update_rules(org, service, staff, owner):
    with pytest.raises(errors.NotStaff):
        actions.service_assign(service=service, actor=staff, assignee=owner)
    closed = _service(org, Status.CLOSED)
    with pytest.raises(errors.ServiceFinished):
        actions.service_assign(service=closed, actor=staff, assignee=staff)
    assert not AuditEntry.objects.exists()


def test_the_api_assignment_is_audited_like_any_other(staff_api, service, staff):
    response = staff_api.patch(
        f"{API}/services/{service.pk}", {"assigned_staff_id": staff.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["assigned_staff_id"] == staff.pk
    entry = entries_for(service, staff=True).get()
    assert (entry.action, entry.changes) == (Action.ASSIGN, {"assigned_staff": [None, staff.pk]})
