"""Environment actions decide who may act and audit edits themselves (issue 12, "one house"):
the API, the admin and the commands get the same answer because none of them decides."""

import pytest

from audit.actions import entries_for
from audit.models import AuditEntry
from config.errors import Forbidden
from environments import actions, errors
from environments.models import Environment, EnvironmentStatusChange
from tests.conftest import API
from tests.factories import EnvironmentFactory

Status = Environment.Status

# A status each transition is allowed from, so only the actor can be the reason for a refusal.
ALLOWED_FROM = {
    "activate": Status.PROVISIONING,
    "start_maintenance": Status.ACTIVE,
    "end_maintenance": Status.MAINTENANCE,
    "suspend": Status.ACTIVE,
    "reactivate": Status.SUSPENDED,
    "decommission": Status.ACTIVE,
}


def _environment(org, status: str) -> Environment:
    return EnvironmentFactory(entitlement__organization=org, status=status)


@pytest.fixture(params=["system", "staff"])
def staff_actor(request, staff):
    """The system (None, a management command) and a staff user may do what staff may."""
    return None if request.param == "system" else staff


def test_the_transition_table_is_covered():
    assert set(ALLOWED_FROM) == set(actions.TRANSITIONS)


def test_a_client_may_not_create(owner, env_entitlement):
    with pytest.raises(Forbidden) as exc:
        actions.environment_create(
            actor=owner, entitlement=env_entitlement, name="LMS", platform="moodle"
        )
    assert exc.value.status_code == 403
    assert not Environment.objects.exists()


def test_a_client_may_not_update(owner, environment):
    with pytest.raises(Forbidden):
        actions.environment_update(environment=environment, actor=owner, name="Renamed")
    assert Environment.objects.get(pk=environment.pk).name == environment.name
    assert not entries_for(environment, staff=True).exists()


@pytest.mark.parametrize("name", list(ALLOWED_FROM))
def test_a_client_may_not_move_an_environment(name, org, owner):
    environment = _environment(org, ALLOWED_FROM[name])
    with pytest.raises(Forbidden) as exc:
        actions.TRANSITIONS[name](environment=environment, actor=owner)
    assert exc.value.status_code == 403
    assert Environment.objects.get(pk=environment.pk).status == ALLOWED_FROM[name]
    assert not EnvironmentStatusChange.objects.exists()


def test_staff_and_the_system_create(staff_actor, env_entitlement):
    environment = actions.environment_create(
        actor=staff_actor, entitlement=env_entitlement, name="LMS", platform="moodle"
    )
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.transition, row.changed_by) == ("create", staff_actor)


def test_staff_and_the_system_update(staff_actor, environment):
    actions.environment_update(environment=environment, actor=staff_actor, region="sa-east-1")
    assert Environment.objects.get(pk=environment.pk).region == "sa-east-1"
    assert entries_for(environment, staff=True).get().actor == staff_actor


@pytest.mark.parametrize("name", list(ALLOWED_FROM))
def test_staff_and_the_system_move_an_environment(name, staff_actor, org):
    environment = _environment(org, ALLOWED_FROM[name])
    moved = actions.TRANSITIONS[name](environment=environment, actor=staff_actor)
    assert moved.status != ALLOWED_FROM[name]
    assert EnvironmentStatusChange.objects.get(subject=environment).changed_by == staff_actor


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
