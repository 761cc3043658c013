"""Each portal page reads a constant number of queries: one row or many, the same count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from tests.factories import (
    ContractFactory,
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    OrderFactory,
    ServiceFactory,
)
from tickets import actions

pytestmark = pytest.mark.django_db


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def grow(org, environment, member, staff, n: int) -> None:
    """n more of everything a page lists."""
    for i in range(n):
        ticket = actions.ticket_create(
            actor=member, environment=environment, title=f"Grown {i}", description="More."
        )
        actions.ticket_reply(ticket=ticket, author=staff, message="Answer")
        entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
        EnvironmentFactory(entitlement=entitlement, organization=org)
        ServiceFactory(entitlement=EntitlementFactory(organization=org, entitlement_class="SVC"))
        MembershipFactory(organization=org, role=Membership.Role.GUEST)


PAGES = [
    "/portal/",
    "/portal/requests/",
    "/portal/requests/?status=open&priority=normal&q=Grown",
    "/portal/environments/",
    "/portal/environments/?status=active",
    "/portal/services/",
    "/portal/entitlements/",
    "/portal/entitlements/?class=ENV&status=active&q=E",
    "/portal/requests/new/",
    "/portal/organization/",
]


def test_lists_read_as_many_queries_for_one_row_as_for_many(
    portal_client, owner, member, staff, org, environment, django_assert_max_num_queries
):
    client = portal_client(owner)
    grow(org, environment, member, staff, 1)
    first = {url: queries(client, url) for url in PAGES}
    grow(org, environment, member, staff, 12)
    for url in PAGES:
        with django_assert_max_num_queries(first[url]):
            client.get(url)


def test_details_read_as_many_queries_for_one_row_as_for_many(
    portal_client, owner, member, staff, org, environment, ticket, django_assert_max_num_queries
):
    client = portal_client(owner)
    order = OrderFactory(organization=org)
    order.links.create(entitlement=environment.entitlement)
    ContractFactory(entitlement=environment.entitlement, organization=org)
    actions.ticket_reply(ticket=ticket, author=staff, message="First answer")
    urls = [
        f"/portal/requests/{ticket.pk}/",
        f"/portal/environments/{environment.pk}/",
        f"/portal/entitlements/{environment.entitlement_id}/",
    ]
    first = {url: queries(client, url) for url in urls}
    for i in range(10):
        actions.ticket_reply(ticket=ticket, author=staff, message=f"Answer {i}")
        actions.ticket_reply(ticket=ticket, author=member, message=f"Question {i}")
        actions.ticket_create(
            actor=member, environment=environment, title=f"More {i}", description="d"
        )
        OrderFactory(organization=org).links.create(entitlement=environment.entitlement)
        ContractFactory(entitlement=environment.entitlement, organization=org)
    actions.ticket_transition(ticket=ticket, name="resolve", actor=member)
    actions.ticket_transition(ticket=ticket, name="reopen", actor=member, reason="Again")
    for url in urls:
        with django_assert_max_num_queries(first[url]):
            client.get(url)
