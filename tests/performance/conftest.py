"""A varied organization for the query-count tests: every related row differs between items, so
a query per item (an N+1) shows up as soon as a page holds more than one item."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership, Organization, User
from entitlements import actions as entitlement_actions
from entitlements.models import Entitlement, OrderEntitlement
from environments import actions as environment_actions
from environments.models import Environment
from services import actions as service_actions
from services.models import Service
from tests.factories import (
    ContractFactory,
    LicenseFactory,
    MembershipFactory,
    OrderFactory,
    OrganizationFactory,
    OwnerMembershipFactory,
    StaffFactory,
    TicketCategoryFactory,
)
from tickets import actions as ticket_actions
from tickets.models import Ticket

ITEMS = 12  # rows of each kind; pages of 2 and of 12 are compared
_TRANSACTION = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE SAVEPOINT)\b", re.I)


def sql_queries(captured: list[dict]) -> int:
    """Statements that read or write rows: transaction control (BEGIN, COMMIT, SAVEPOINT...) is
    not counted, as in the benchmark."""
    return sum(1 for q in captured if not _TRANSACTION.match(q["sql"]))


def count_queries(client, url: str, *, method: str = "get", **kwargs) -> int:
    """SQL queries of one request, which must succeed."""
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code < 300, (url, response.status_code, response.content[:500])
    return sql_queries(ctx.captured_queries)


@dataclass
class World:
    org: Organization
    owner: User
    member: User
    staff: User
    environments: list[Environment]
    services: list[Service]
    entitlements: list[Entitlement]
    tickets: list[Ticket]
    busy_ticket: Ticket | None = None  # many replies, history rows, a rating
    quiet_ticket: Ticket | None = None  # just created
    busy_entitlement: Entitlement | None = None  # many orders, licenses, contracts
    quiet_entitlement: Entitlement | None = None
    plugin: Entitlement | None = None
    other_org: Organization | None = None


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    """Built once per module inside a transaction that is rolled back after the module; each
    test runs in a savepoint within it (pytest-django's own per-test transaction)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            seed = importlib.import_module(
                "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
            )
            seed.seed(apps, None)
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def world(_world, db) -> World:
    return _world


def build_world() -> World:
    """ITEMS of everything in one organization, each with its own related rows, via the actions."""
    org = OrganizationFactory(name="Acme Learning")
    owner = OwnerMembershipFactory(organization=org).user
    member = MembershipFactory(organization=org, role=Membership.Role.MEMBER).user
    staff = StaffFactory()
    w = World(org, owner, member, staff, environments=[], services=[], entitlements=[], tickets=[])
    staff2 = StaffFactory()
    requesters: list[User] = [member, owner]
    for _ in range(ITEMS - 2):
        requesters.append(MembershipFactory(organization=org, role=Membership.Role.MEMBER).user)
    categories = [TicketCategoryFactory(name=f"Kind {n}", slug=f"kind-{n}") for n in range(3)]
    for n in range(ITEMS):
        entitlement = entitlement_actions.entitlement_create(
            actor=staff, entitlement_class="ENV", product_name=f"Hosting {n}", organization=org
        )
        environment = environment_actions.environment_create(
            actor=staff, entitlement=entitlement, name=f"Moodle {n}", platform="moodle"
        )
        environment = environment_actions.TRANSITIONS["activate"](
            environment=environment, actor=staff
        )
        w.entitlements.append(entitlement)
        w.environments.append(environment)
    for n in range(ITEMS):
        entitlement = entitlement_actions.entitlement_create(
            actor=staff, entitlement_class="SVC", product_name=f"Project {n}", organization=org
        )
        w.services.append(
            service_actions.service_create(actor=staff, entitlement=entitlement, name=f"Svc {n}")
        )
        w.entitlements.append(entitlement)
    for n in range(ITEMS):
        ticket = ticket_actions.ticket_create(
            actor=requesters[n],
            entitlement=w.entitlements[n],
            title=f"Request {n}",
            description="Something needs attention.",
            priority=["low", "normal", "high", "urgent"][n % 4],
            category=categories[n % 3],
        )
        ticket = ticket_actions.ticket_assign(
            ticket=ticket, actor=staff, assignee=[staff, staff2][n % 2]
        )
        ticket_actions.ticket_reply(ticket=ticket, author=staff, message=f"On it {n}")
        w.tickets.append(ticket)
    for n in range(ITEMS):  # staff-raised requests on services, same environment-less shape
        w.tickets.append(
            ticket_actions.ticket_create(
                actor=staff,
                service=w.services[n],
                title=f"Service request {n}",
                description="For the project.",
                requester=requesters[n],
            )
        )
    service = w.services[0]
    for name in ("approve", "start", "hold", "resume", "hold", "resume"):
        service = service_actions.TRANSITIONS[name](service=service, actor=staff)
    w.services[0] = service
    busy = w.tickets[0]
    for name in ("start", "wait", "start", "resolve"):
        busy = ticket_actions.ticket_transition(ticket=busy, name=name, actor=staff)
    for n in range(ITEMS):
        author = requesters[n] if n % 2 else staff
        ticket_actions.ticket_reply(ticket=busy, author=author, message=f"Message {n}")
        ticket_actions.ticket_reply(ticket=busy, author=staff, message=f"Note {n}", internal=True)
    busy = ticket_actions.ticket_rate(ticket=busy, actor=member, rating=4)
    w.busy_ticket = busy
    w.quiet_ticket = w.tickets[-1]
    busy_ent, quiet_ent = w.entitlements[0], w.entitlements[1]
    for _ in range(ITEMS):
        order = OrderFactory(organization=org)
        OrderEntitlement.objects.create(order=order, entitlement=busy_ent)
        ContractFactory(entitlement=busy_ent, organization=org)
        entitlement_actions.entitlement_suspend(entitlement=busy_ent, actor=staff)
        busy_ent = entitlement_actions.entitlement_reactivate(entitlement=busy_ent, actor=staff)
    plg = entitlement_actions.entitlement_create(
        actor=staff, entitlement_class="PLG", product_name="Plugin", organization=org
    )
    for n in range(ITEMS):
        license_ = LicenseFactory(entitlement=plg)
        license_.activations.create(domain=f"a{n}.example")
        license_.activations.create(domain=f"b{n}.example")
    w.entitlements.append(plg)
    w.busy_entitlement, w.quiet_entitlement = busy_ent, quiet_ent
    w.plugin = plg
    w.other_org = OrganizationFactory(name="Lonely")
    OwnerMembershipFactory(organization=w.other_org)
    return w
