"""One organization with a caller of every kind, another organization, and objects in both."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, User
from tests import factories
from tests.conftest import client_for
from tickets import actions as ticket_actions

# The callers of the permission matrix, in the order of its columns.
CALLERS = ("anon", "guest", "noscope", "member", "admin", "owner", "other", "staff", "inactive")


@pytest.fixture(autouse=True)
def _default_sla_targets(db):
    """The migration's SLA targets and ticket categories, also after a transactional test
    flushed the tables."""
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


@dataclass
class World:
    org: Organization
    other_org: Organization
    users: dict[str, User | None]
    objects: dict = field(default_factory=dict)

    def user(self, caller: str) -> User | None:
        return self.users[caller]

    def client(self, caller: str) -> APIClient:
        """The caller's client: a token and the organization header of its own organization."""
        user = self.users[caller]
        if user is None:
            return APIClient()
        return client_for(user, self.other_org if caller == "other" else self.org)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_world() -> World:
    org = factories.OrganizationFactory(name="Acme Learning Secret Org", slug="acme-secret-org")
    other_org = factories.OrganizationFactory(name="Other Org", slug="other-org")
    owner = factories.OwnerMembershipFactory(organization=org).user
    users: dict[str, User | None] = {
        "anon": None,
        "guest": factories.MembershipFactory(organization=org, role=Membership.Role.GUEST).user,
        "noscope": factories.MembershipFactory(organization=org, scopes=[]).user,
        "member": factories.MembershipFactory(organization=org).user,
        "admin": factories.MembershipFactory(
            organization=org, role=Membership.Role.ADMIN, scopes=[]
        ).user,
        "owner": owner,
        "other": factories.OwnerMembershipFactory(organization=other_org).user,
        "staff": factories.StaffFactory(),
        "inactive": factories.MembershipFactory(organization=org).user,
    }
    world = World(org=org, other_org=other_org, users=users)
    # Each object is kept by the name tests read it by (world.environment, ...), as it is made.
    o = world.objects
    o["env_entitlement"] = factories.EntitlementFactory(
        organization=org, entitlement_class="ENV", product_name="Secret Hosting Plan"
    )
    o["environment"] = factories.EnvironmentFactory(
        entitlement=o["env_entitlement"],
        organization=org,
        name="Secret Moodle",
        url="https://secret-moodle.example.com",
    )
    o["svc_entitlement"] = factories.EntitlementFactory(
        organization=org, entitlement_class="SVC", product_name="Secret Services"
    )
    o["service"] = factories.ServiceFactory(
        entitlement=o["svc_entitlement"], organization=org, name="Secret Migration Project"
    )
    o["ticket"] = ticket_actions.ticket_create(
        actor=users["member"],
        title="Secret certificate renewal",
        description="Private details of the first organization.",
        entitlement=o["env_entitlement"],
        environment=o["environment"],
    )
    o["other_entitlement"] = factories.EntitlementFactory(
        organization=other_org, entitlement_class="ENV"
    )
    o["other_environment"] = factories.EnvironmentFactory(
        entitlement=o["other_entitlement"], organization=other_org
    )
    o["owner"], o["member"] = owner, users["member"]
    o["member_membership"] = Membership.objects.get(user=users["member"], organization=org)
    o["outsider"] = factories.UserFactory(email="outsider@example.com")
    return world


@pytest.fixture
def world(db) -> World:
    """Tokens are issued while everyone is active; then one user is deactivated."""
    world = build_world()
    clients = {caller: world.client(caller) for caller in CALLERS}
    inactive = world.users["inactive"]
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    world.objects["clients"] = clients
    return world


@pytest.fixture
def committed_world(transactional_db) -> World:
    """The world committed for real: for tests whose threads or second connections must see it."""
    return build_world()
