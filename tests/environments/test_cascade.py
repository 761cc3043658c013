"""The entitlement → environment cascade: called directly and end to end through the entitlements.

Rules: suspend/expire/cancel suspend an active or maintenance environment; reactivate/renew/win_back
reactivate a suspended one unless staff suspended it by hand; nothing is ever decommissioned.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from config.fsm import TransitionConflict
from entitlements import actions as entitlement_actions
from entitlements.models import Entitlement
from environments import actions
from environments.errors import EntitlementNotActive
from environments.models import Environment, EnvironmentStatusChange
from tests.factories import EntitlementFactory, EnvironmentFactory

Status = Environment.Status

# (entitlement transition, environment status before) → environment status after
EXPECTED = {
    **{
        (name, before): Status.SUSPENDED if before in ("active", "maintenance") else before
        for name in ("suspend", "expire", "cancel")
        for before in Status.values
    },
    **{
        (name, before): Status.ACTIVE if before == "suspended" else before
        for name in ("reactivate", "renew", "win_back")
        for before in Status.values
    },
}
PAST = {
    "suspend": "suspended",
    "expire": "expired",
    "cancel": "cancelled",
    "reactivate": "reactivated",
    "renew": "renewed",
    "win_back": "won back",
}


@pytest.mark.parametrize(("transition", "before"), list(EXPECTED))
def test_cascade_rules(transition, before, org, staff):
    environment = EnvironmentFactory(entitlement__organization=org, status=before)
    entitlement = environment.entitlement
    actions.entitlement_changed(entitlement=entitlement, actor=staff, transition=transition)
    after = EXPECTED[(transition, before)]
    assert Environment.objects.get(pk=environment.pk).status == after
    rows = list(EnvironmentStatusChange.objects.filter(subject=environment))
    if after == before:
        assert rows == []
    else:
        [row] = rows
        assert (row.from_status, row.to_status, row.changed_by_id) == (before, after, staff.pk)
        assert row.reason == f"entitlement {entitlement.code} {PAST[transition]}"


def test_cascade_accepts_hyphenated_names(environment, staff):
    Environment.objects.filter(pk=environment.pk).update(status="suspended")
    actions.entitlement_changed(
        entitlement=environment.entitlement, actor=staff, transition="win-back"
    )
    assert Environment.objects.get(pk=environment.pk).status == Status.ACTIVE


def test_cascade_ignores_other_classes_and_missing_environments(org, staff):
    svc = EntitlementFactory(organization=org, entitlement_class="SVC")
    assert actions.entitlement_changed(entitlement=svc, actor=staff, transition="suspend") is None
    bare = EntitlementFactory(organization=org, entitlement_class="ENV")
    assert actions.entitlement_changed(entitlement=bare, actor=staff, transition="suspend") is None
    assert not EnvironmentStatusChange.objects.exists()


def test_cascade_ignores_unknown_transitions(environment, staff):
    actions.entitlement_changed(
        entitlement=environment.entitlement, actor=staff, transition="create"
    )
    assert Environment.objects.get(pk=environment.pk).status == Status.ACTIVE


def test_manual_suspension_survives_the_entitlement_coming_back(environment, staff):
    actions.environment_suspend(environment=environment, actor=staff, reason="abuse report")
    entitlement = environment.entitlement
    for transition in ("reactivate", "renew", "win_back"):
        actions.entitlement_changed(entitlement=entitlement, actor=staff, transition=transition)
        assert Environment.objects.get(pk=environment.pk).status == Status.SUSPENDED
    assert EnvironmentStatusChange.objects.filter(subject=environment).count() == 1


def test_cascade_never_decommissions(environment, staff):
    for transition in ("suspend", "expire", "cancel"):
        actions.entitlement_changed(
            entitlement=environment.entitlement, actor=staff, transition=transition
        )
    assert Environment.objects.get(pk=environment.pk).status == Status.SUSPENDED


# --- end to end through the entitlement actions ---------------------------------------------


def _env(org) -> Environment:
    return EnvironmentFactory(entitlement__organization=org, status=Status.ACTIVE)


def _history(environment: Environment) -> list[tuple]:
    return list(
        EnvironmentStatusChange.objects.filter(subject=environment).values_list(
            "from_status", "to_status", "reason"
        )
    )


def test_entitlement_suspend_and_reactivate_carry_to_the_environment(org, staff):
    environment = _env(org)
    entitlement = environment.entitlement
    entitlement_actions.entitlement_suspend(entitlement=entitlement, actor=staff, reason="unpaid")
    assert Environment.objects.get(pk=environment.pk).status == Status.SUSPENDED
    entitlement_actions.entitlement_reactivate(entitlement=entitlement, actor=staff)
    assert Environment.objects.get(pk=environment.pk).status == Status.ACTIVE
    assert _history(environment) == [
        ("active", "suspended", f"entitlement {entitlement.code} suspended"),
        ("suspended", "active", f"entitlement {entitlement.code} reactivated"),
    ]


def _move(entitlement: Entitlement, name: str, actor) -> Entitlement:
    """Run the entitlement action `name` with the arguments it needs."""
    extra = {
        "cancel": {"reason": "churn"},
        "renew": {"expires_at": timezone.now() + timedelta(days=365)},
    }
    action = getattr(entitlement_actions, f"entitlement_{name}")
    return action(entitlement=entitlement, actor=actor, **extra.get(name, {}))


@pytest.mark.parametrize(("stop", "restart"), [("expire", "renew"), ("cancel", "win_back")])
def test_entitlement_stop_and_restart_carry_to_the_environment(stop, restart, org, staff):
    environment = _env(org)
    entitlement = environment.entitlement
    _move(entitlement, stop, staff)
    assert Environment.objects.get(pk=environment.pk).status == Status.SUSPENDED
    _move(entitlement, restart, staff)
    assert Entitlement.objects.get(pk=entitlement.pk).status == "active"
    assert Environment.objects.get(pk=environment.pk).status == Status.ACTIVE


def test_suspended_then_cancelled_entitlement_leaves_one_suspension(org, staff):
    environment = _env(org)
    entitlement = environment.entitlement
    entitlement_actions.entitlement_suspend(entitlement=entitlement, actor=staff)
    entitlement_actions.entitlement_cancel(entitlement=entitlement, actor=staff, reason="churn")
    assert [row[:2] for row in _history(environment)] == [("active", "suspended")]


def test_environment_cannot_be_reactivated_while_the_entitlement_is_suspended(org, staff):
    environment = _env(org)
    entitlement_actions.entitlement_suspend(entitlement=environment.entitlement, actor=staff)

    with pytest.raises(EntitlementNotActive):
        actions.environment_reactivate(environment=environment, actor=staff)
    assert Environment.objects.get(pk=environment.pk).status == Status.SUSPENDED


def test_refused_entitlement_transition_leaves_the_environment_alone(org, staff):
    environment = _env(org)
    with pytest.raises(TransitionConflict):
        entitlement_actions.entitlement_reactivate(entitlement=environment.entitlement, actor=staff)
    assert Environment.objects.get(pk=environment.pk).status == Status.ACTIVE
    assert _history(environment) == []
