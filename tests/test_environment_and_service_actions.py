"""Environment and service actions decide who may act (issue 12, "one house"): the API, the admin
and the commands get the same answer because none of them decides. One test, once per resource;
what only one resource has (edits, assignment, audit) stays in its app's test_one_house.py."""

from dataclasses import dataclass
from types import ModuleType

import pytest

from audit.actions import entries_for
from config.errors import Forbidden
from environments import actions as environment_actions
from environments.models import Environment, EnvironmentStatusChange
from services import actions as service_actions
from services.models import Service, ServiceStatusChange
from tests.factories import EnvironmentFactory, ServiceFactory
from tests.helpers import table


@dataclass(frozen=True)
class Resource:
    name: str  # the keyword the actions take it by, and the fixture of one of `org`
    actions: ModuleType
    model: type
    history: type
    factory: type
    entitlement: str  # the fixture of an entitlement of its class
    fields: dict  # the smallest creation

    def create(self, **kwargs):
        return getattr(self.actions, f"{self.name}_create")(**kwargs, **self.fields)

    def update(self, subject, **kwargs):
        return getattr(self.actions, f"{self.name}_update")(**{self.name: subject}, **kwargs)

    def move(self, name: str, subject, actor):
        return self.actions.TRANSITIONS[name](**{self.name: subject}, actor=actor)

    def make(self, org, status: str):
        return self.factory(entitlement__organization=org, status=status)


RESOURCES = {
    "environment": Resource(
        "environment",
        environment_actions,
        Environment,
        EnvironmentStatusChange,
        EnvironmentFactory,
        "env_entitlement",
        {"name": "LMS", "platform": "moodle"},
    ),
    "service": Resource(
        "service",
        service_actions,
        Service,
        ServiceStatusChange,
        ServiceFactory,
        "svc_entitlement",
        {"name": "Theme"},
    ),
}

# A status each transition is allowed from, so only the actor can be the reason for a refusal.
ALLOWED_FROM = table(
    """
    environment  activate           provisioning
    environment  start_maintenance  active
    environment  end_maintenance    maintenance
    environment  suspend            active
    environment  reactivate         suspended
    environment  decommission       active
    service      approve            proposal
    service      start              approved
    service      hold               in_progress
    service      resume             on_hold
    service      deliver            in_progress
    service      rework             delivered
    service      close              delivered
    service      cancel             proposal
    """
)


@pytest.fixture(params=list(RESOURCES))
def resource(request) -> Resource:
    return RESOURCES[request.param]


@pytest.fixture
def entitlement(resource, request):
    return request.getfixturevalue(resource.entitlement)


@pytest.fixture
def subject(resource, request):
    return request.getfixturevalue(resource.name)


def test_the_transition_table_is_covered(resource):
    names = {name for kind, name, _ in ALLOWED_FROM if kind == resource.name}
    assert names == set(resource.actions.TRANSITIONS)


def test_a_client_may_not_create(resource, owner, entitlement):
    with pytest.raises(Forbidden) as exc:
        resource.create(actor=owner, entitlement=entitlement)
    assert exc.value.status_code == 403
    assert not resource.model.objects.exists()


def test_a_client_may_not_update(resource, owner, subject):
    with pytest.raises(Forbidden):
        resource.update(subject, actor=owner, name="Renamed")
    assert resource.model.objects.get(pk=subject.pk).name == subject.name
    assert not entries_for(subject, staff=True).exists()


@pytest.mark.parametrize(("kind", "name", "source"), ALLOWED_FROM)
def test_a_client_may_not_move_it(kind, name, source, org, owner):
    resource = RESOURCES[kind]
    subject = resource.make(org, source)
    with pytest.raises(Forbidden) as exc:
        resource.move(name, subject, owner)
    assert exc.value.status_code == 403
    assert resource.model.objects.get(pk=subject.pk).status == source
    assert not resource.history.objects.exists()


def test_staff_and_the_system_create(resource, staff_actor, entitlement):
    subject = resource.create(actor=staff_actor, entitlement=entitlement)
    row = resource.history.objects.get(subject=subject)
    assert (row.transition, row.changed_by) == ("create", staff_actor)


@pytest.mark.parametrize(("kind", "name", "source"), ALLOWED_FROM)
def test_staff_and_the_system_move_it(kind, name, source, staff_actor, org):
    resource = RESOURCES[kind]
    subject = resource.make(org, source)
    moved = resource.move(name, subject, staff_actor)
    assert moved.status != source
    assert resource.history.objects.get(subject=subject).changed_by == staff_actor
