"""Environment actions decide who may edit and audit edits themselves (issue 12, "one house"):
the API, the admin and the commands get the same answer because none of them decides. What
environments share with services (creation, transitions) is in
tests/test_environment_and_service_actions.py."""

import pytest

from audit.actions import entries_for
from audit.models import AuditEntry
from environments import actions, errors
from environments.models import Environment
from tests.conftest import API
from tests.factories import EnvironmentFactory

Status = Environment.Status


def _environment(org, status: str) -> Environment:
    return EnvironmentFactory(entitlement__organization=org, status=status)


def test_staff_and_the_system_update(staff_actor, environment):
    actions.environment_update(environment=environment, actor=staff_actor, region="sa-east-1")
    assert Environment.objects.get(pk=environment.pk).region == "sa-east-1"
    assert entries_for(environment, staff=True).get().actor == staff_actor


def test_an_update_is_audited_with_old_and_new_values(environment, staff):
    old_name = environment.name
    actions.environment_update(
        environment=environment, actor=staff, name="Campus LMS", health="healthy"
    )
    entry = entries_for(environment, staff=True).get()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes == {"name": [old_name, "Campus LMS"], "health": ["unknown", "healthy"]}
    assert (entry.actor, entry.organization_id, entry.internal) == (
        staff,
        environment.organization_id,
        False,
    )


def test_an_update_that_changes_nothing_is_not_audited(environment, staff):
    actions.environment_update(environment=environment, actor=staff)
    actions.environment_update(environment=environment, actor=staff, name=environment.name)
    assert not entries_for(environment, staff=True).exists()


def test_a_refused_update_is_not_audited(org, staff):
    environment = _environment(org, Status.DECOMMISSIONED)
    with pytest.raises(errors.EnvironmentDecommissioned):
        actions.environment_update(environment=environment, actor=staff, name="Renamed")
    assert not entries_for(environment, staff=True).exists()


def test_the_api_edit_is_audited_like_any_other(staff_api, environment, staff):
    response = staff_api.patch(
        f"{API}/environments/{environment.pk}", {"region": "us-east-1"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Environment updated"
    entry = entries_for(environment, staff=True).get()
    assert (entry.changes, entry.actor) == ({"region": ["", "us-east-1"]}, staff)
