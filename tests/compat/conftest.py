import pytest

from entitlements.models import Entitlement
from tests.factories import EntitlementFactory, EnvironmentFactory, TicketCategoryFactory


@pytest.fixture
def env_entitlement(org) -> Entitlement:
    return EntitlementFactory(organization=org, entitlement_class="ENV", sla_tier="business")


@pytest.fixture
def environment(env_entitlement):
    return EnvironmentFactory(entitlement=env_entitlement, name="Acme Moodle Production")


@pytest.fixture
def category(db):
    return TicketCategoryFactory(name="Payment", slug="payment")


@pytest.fixture
def other_environment(other_org):
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="ENV")
    return EnvironmentFactory(entitlement=entitlement)
