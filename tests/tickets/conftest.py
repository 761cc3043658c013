"""Fixtures of the service request tests: entitlements of every class, environments, tickets."""

import importlib
from collections.abc import Callable

import pytest
from django.apps import apps

from accounts.models import User
from tests.factories import EntitlementFactory, EnvironmentFactory, ServiceFactory, StaffFactory
from tickets import actions
from tickets.demo import backdate as backdate  # the demo's, for the tests that import it here
from tickets.models import Ticket


@pytest.fixture(autouse=True)
def _default_sla_targets(db):
    """The migration's default SLA targets and categories, also after a transactional test
    (of any app) flushed the tables."""
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


@pytest.fixture
def env_entitlement(org):
    """An active ENV entitlement of `org` (business tier) with its active environment."""
    return EntitlementFactory(organization=org, entitlement_class="ENV", sla_tier="business")


@pytest.fixture
def environment(env_entitlement):
    return EnvironmentFactory(
        entitlement=env_entitlement, organization=env_entitlement.organization
    )


@pytest.fixture
def svc_entitlement(org):
    return EntitlementFactory(organization=org, entitlement_class="SVC", sla_tier="business")


@pytest.fixture
def service(svc_entitlement):
    return ServiceFactory(entitlement=svc_entitlement, organization=svc_entitlement.organization)


@pytest.fixture
def other_environment(other_org):
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="ENV")
    return EnvironmentFactory(entitlement=entitlement, organization=other_org)


@pytest.fixture
def make_ticket(member, env_entitlement) -> Callable[..., Ticket]:
    """A ticket created through ticket_create (number, SLA times, history), by `member`."""

    def make(actor: User | None = None, **kwargs) -> Ticket:
        kwargs.setdefault("title", "SSL Certificate Renewal")
        kwargs.setdefault("description", "The certificate expires soon.")
        kwargs.setdefault("entitlement", env_entitlement)
        return actions.ticket_create(actor=actor or member, **kwargs)

    return make


@pytest.fixture
def ticket(make_ticket) -> Ticket:
    return make_ticket()


@pytest.fixture
def other_ticket(other_owner, other_environment) -> Ticket:
    return actions.ticket_create(
        actor=other_owner,
        title="Theirs",
        description="Another organization's request.",
        entitlement=other_environment.entitlement,
    )


@pytest.fixture
def staff2(db) -> User:
    return StaffFactory()


def move(ticket: Ticket, actor: User, *names: str, reason: str = "because") -> Ticket:
    """Run transitions in order through the real action."""
    for name in names:
        ticket = actions.ticket_transition(ticket=ticket, name=name, actor=actor, reason=reason)
    return ticket
