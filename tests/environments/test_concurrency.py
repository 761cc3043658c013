"""Concurrent transitions on one environment: the row lock lets exactly one win."""

import threading

import pytest
from django.db import connection

from config.errors import DomainError
from entitlements.actions import entitlement_suspend
from environments import actions
from environments.models import Environment, EnvironmentStatusChange
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    OrganizationFactory,
    StaffFactory,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(functions) -> list:
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.parametrize("name", ["suspend", "start_maintenance", "decommission"])
def test_one_winner(name):
    staff = StaffFactory()
    environment = EnvironmentFactory(entitlement__organization=OrganizationFactory())
    results = _race(
        [lambda: actions.TRANSITIONS[name](environment=environment, actor=staff) for _ in range(3)]
    )
    winners = [r for r in results if isinstance(r, Environment)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1, results
    assert len(losers) == 2, results
    assert {loser.status_code for loser in losers} == {409}
    assert EnvironmentStatusChange.objects.filter(subject=environment).count() == 1
    assert Environment.objects.get(pk=environment.pk).status == winners[0].status


def test_one_environment_per_entitlement_under_concurrency():
    staff = StaffFactory()
    entitlement = EntitlementFactory(organization=OrganizationFactory(), entitlement_class="ENV")
    results = _race(
        [
            lambda n=n: actions.environment_create(
                actor=staff, entitlement=entitlement, name=f"env {n}", platform="moodle"
            )
            for n in range(2)
        ]
    )
    assert sum(isinstance(r, Environment) for r in results) == 1, results
    assert sum(isinstance(r, DomainError) and r.status_code == 409 for r in results) == 1
    assert Environment.objects.filter(entitlement=entitlement).count() == 1


def test_entitlement_suspension_racing_an_activation_never_leaves_the_environment_active():
    staff = StaffFactory()
    environment = EnvironmentFactory(
        entitlement__organization=OrganizationFactory(), status="provisioning"
    )
    entitlement = environment.entitlement
    results = _race(
        [
            lambda: entitlement_suspend(entitlement=entitlement, actor=staff),
            lambda: actions.environment_activate(environment=environment, actor=staff),
        ]
    )
    assert not any(isinstance(r, Exception) and not isinstance(r, DomainError) for r in results)
    assert Environment.objects.get(pk=environment.pk).status in ("provisioning", "suspended")
