"""Environment actions: creation rules (class, 1:1, organization), updates and the lifecycle."""

import pytest

from config.errors import Invalid
from config.fsm import TransitionConflict
from environments import actions, errors
from environments.models import Environment, EnvironmentStatusChange
from tests.factories import EntitlementFactory, EnvironmentFactory
from tests.helpers import moves

Status = Environment.Status

ALLOWED = moves(
    """
    provisioning  activate           active
    provisioning  decommission       decommissioned
    active        start_maintenance  maintenance
    active        suspend            suspended
    active        decommission       decommissioned
    maintenance   end_maintenance    active
    maintenance   suspend            suspended
    maintenance   decommission       decommissioned
    suspended     reactivate         active
    suspended     decommission       decommissioned
    """
)
FORBIDDEN = [
    (status, name)
    for status in Status.values
    for name in actions.TRANSITIONS
    if (status, name) not in ALLOWED
]


def test_create_provisions_with_history(org, env_entitlement, staff):
    fields = {"name": "Acme Moodle Production", "platform": "moodle", "region": "sa-east-1"}
    environment = actions.environment_create(
        actor=staff, entitlement=env_entitlement, url="https://lms.example.com", **fields
    )
    environment = Environment.objects.get(pk=environment.pk)
    assert environment.status == Status.PROVISIONING
    assert environment.organization_id == org.pk
    assert environment.environment_type == "production"
    assert environment.region == "sa-east-1"
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.from_status, row.to_status, row.changed_by_id) == (None, "provisioning", staff.pk)


@pytest.mark.parametrize("entitlement_class", ["PLG", "SVC", "ORD", "AFL", "EDU"])
def test_create_refuses_other_classes(entitlement_class, org, staff):
    entitlement = EntitlementFactory(organization=org, entitlement_class=entitlement_class)
    with pytest.raises(errors.NotAnEnvEntitlement, match="ENV-class") as exc:
        actions.environment_create(
            actor=staff, entitlement=entitlement, name="X", platform="moodle"
        )
    assert exc.value.status_code == 422
    assert not Environment.objects.exists()


def test_create_refuses_a_second_environment(environment, staff):
    with pytest.raises(errors.EnvironmentAlreadyExists, match="already has an environment") as exc:
        actions.environment_create(
            actor=staff, entitlement=environment.entitlement, name="Second", platform="moodle"
        )
    assert exc.value.status_code == 409
    assert Environment.objects.count() == 1


def test_create_refuses_a_standalone_entitlement(staff):
    entitlement = EntitlementFactory(organization=None, entitlement_class="ENV")
    with pytest.raises(errors.StandaloneEntitlement, match="no organization") as exc:
        actions.environment_create(
            actor=staff, entitlement=entitlement, name="X", platform="moodle"
        )
    assert exc.value.status_code == 422


@pytest.mark.parametrize("status", ["suspended", "expired", "cancelled"])
def test_create_refuses_an_inactive_entitlement(status, org, staff):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV", status=status)
    with pytest.raises(errors.EntitlementNotActive, match=f"'{status}'"):
        actions.environment_create(
            actor=staff, entitlement=entitlement, name="X", platform="moodle"
        )


def test_create_refuses_unknown_platform(env_entitlement, staff):
    with pytest.raises(Invalid, match="platform must be one of"):
        actions.environment_create(
            actor=staff, entitlement=env_entitlement, name="X", platform="joomla"
        )


@pytest.mark.parametrize(("status", "name"), list(ALLOWED))
def test_allowed_transitions(status, name, environment, staff):
    Environment.objects.filter(pk=environment.pk).update(status=status)
    result = actions.TRANSITIONS[name](environment=environment, actor=staff, reason="because")
    expected = ALLOWED[(status, name)]
    assert result.status == expected
    assert Environment.objects.get(pk=environment.pk).status == expected
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.from_status, row.to_status, row.transition) == (status, expected, name)
    assert (row.changed_by_id, row.reason) == (staff.pk, "because")


@pytest.mark.parametrize(("status", "name"), FORBIDDEN)
def test_forbidden_transitions_conflict_and_change_nothing(status, name, environment, staff):
    Environment.objects.filter(pk=environment.pk).update(status=status)
    with pytest.raises(TransitionConflict, match=f"'{status}'") as exc:
        actions.TRANSITIONS[name](environment=environment, actor=staff)
    assert exc.value.status_code == 409
    assert Environment.objects.get(pk=environment.pk).status == status
    assert not EnvironmentStatusChange.objects.filter(subject=environment).exists()


def test_decommissioned_is_terminal(environment, staff):
    actions.environment_decommission(environment=environment, actor=staff)
    for name in actions.TRANSITIONS:
        with pytest.raises(TransitionConflict):
            actions.TRANSITIONS[name](environment=environment, actor=staff)
    with pytest.raises(errors.EnvironmentDecommissioned):
        actions.environment_update(environment=environment, actor=staff, name="Renamed")
    assert Environment.objects.get(pk=environment.pk).status == Status.DECOMMISSIONED


@pytest.mark.parametrize(
    ("env_status", "name"),
    [("provisioning", "activate"), ("maintenance", "end_maintenance"), ("suspended", "reactivate")],
)
def test_becoming_active_needs_an_active_entitlement(env_status, name, org, staff):
    environment = EnvironmentFactory(
        entitlement__organization=org, entitlement__status="suspended", status=env_status
    )
    with pytest.raises(errors.EntitlementNotActive, match="'suspended'"):
        actions.TRANSITIONS[name](environment=environment, actor=staff)
    assert Environment.objects.get(pk=environment.pk).status == env_status
    assert not EnvironmentStatusChange.objects.exists()


def test_lifecycle_refusal_wins_over_entitlement_refusal(org, staff):
    environment = EnvironmentFactory(
        entitlement__organization=org, entitlement__status="suspended", status="active"
    )
    with pytest.raises(TransitionConflict, match="'active'"):
        actions.environment_activate(environment=environment, actor=staff)


def test_manual_suspend_is_marked(environment, staff):
    suspended = actions.environment_suspend(environment=environment, actor=staff)
    assert suspended.suspended_manually is True
    reactivated = actions.environment_reactivate(environment=environment, actor=staff)
    assert reactivated.suspended_manually is False


def test_update_changes_details_only(environment, staff):
    updated = actions.environment_update(
        environment=environment,
        actor=staff,
        name="Renamed",
        platform_version="4.5.1",
        backup_retention_days=90,
        health="degraded",
    )
    fresh = Environment.objects.get(pk=environment.pk)
    assert (fresh.name, fresh.platform_version, fresh.backup_retention_days, fresh.health) == (
        "Renamed",
        "4.5.1",
        90,
        "degraded",
    )
    assert updated.status == fresh.status == Status.ACTIVE
    with pytest.raises(Invalid, match="Unknown environment field"):
        actions.environment_update(environment=environment, actor=staff, status="suspended")
    with pytest.raises(Invalid, match="Unknown environment field"):
        actions.environment_update(environment=environment, actor=staff, entitlement=None)
