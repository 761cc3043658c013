"""Every list and detail endpoint makes the same number of SQL queries whatever the page size (or,
for a detail, however many related rows the object has): one more row never costs one more query.

Counts leave out transaction control (BEGIN/COMMIT/SAVEPOINT), as the benchmark does. The ticket
endpoints also stay under issue 7's ceilings: list ≤ 5, detail ≤ 6, create ≤ 12.
"""

from __future__ import annotations

import pytest

from tests.conftest import API, client_for
from tests.factories import MembershipFactory, OrganizationFactory
from tests.performance.conftest import ITEMS, World, count_queries

SMALL, LARGE = 2, ITEMS

# (path template, caller, ceiling): the ceilings are today's counts; a new query on one of these
# paths has to be argued for. A member's request reads its user and membership in one query
# (accounts.authentication), staff's read the user alone.
LISTS = [
    ("{api}/tickets", "member", 3),
    ("{api}/tickets", "staff", 3),
    ("{api}/tickets?status=open,in_progress&priority=high,urgent&ordering=priority", "member", 3),
    ("{api}/tickets?status=open,in_progress&ordering=-priority", "staff", 3),
    ("{api}/tickets?sla_status=on_track,at_risk,breached&search=Request", "member", 3),
    ("{api}/tickets?entitlement_id={entitlement}&environment_id={environment}", "member", 5),
    ("{api}/tickets?assignee_id={staff}&created_after=2000-01-01T00:00:00Z", "staff", 4),
    ("{api}/environments/{environment}/tickets", "member", 4),
    ("{api}/services/{service}/tickets", "member", 4),
    # One more than before issue 14: the page's attachments, one query whatever the page size.
    ("{api}/tickets/{busy_ticket}/replies", "member", 5),
    ("{api}/tickets/{busy_ticket}/replies", "staff", 5),
    ("{api}/entitlements", "member", 3),
    ("{api}/entitlements", "staff", 3),
    ("{api}/entitlements/{busy_entitlement}/orders", "member", 4),
    ("{api}/entitlements/{plugin}/licenses", "member", 5),
    ("{api}/entitlements/{busy_entitlement}/contracts", "member", 4),
    ("{api}/environments", "member", 3),
    ("{api}/environments", "staff", 3),
    ("{api}/services", "member", 3),
    ("{api}/services", "staff", 3),
    ("{api}/organizations", "owner", 3),
    ("{api}/organizations", "staff", 3),
    ("{api}/organizations/{org}/collaborators", "owner", 5),
    ("/api/v1/get_tickets/0", "member", 2),
    ("/api/v1/tickets?isp_id={org}&branch_id=0&user_id={staff}", "staff", 3),
]

# (path template with {id}, the busy and the quiet object, caller, ceiling)
DETAILS = [
    ("{api}/tickets/{id}", "ticket", "member", 2),
    ("{api}/tickets/{id}", "ticket", "staff", 2),
    ("{api}/tickets/{id}/history", "ticket", "member", 3),
    ("/api/v1/get_ticket_details/{id}", "ticket", "member", 3),
    ("/api/v1/tickets/{id}", "ticket", "staff", 3),
    ("{api}/entitlements/{id}", "entitlement", "member", 2),
    ("{api}/entitlements/{id}/history", "entitlement", "member", 3),
    ("{api}/environments/{id}", "environment", "member", 2),
    ("{api}/environments/{id}/history", "environment", "member", 3),
    ("{api}/services/{id}", "service", "member", 2),
    ("{api}/services/{id}/history", "service", "member", 3),
]


def _clients(world: World) -> dict:
    return {
        "member": client_for(world.member, world.org),
        "owner": client_for(world.owner, world.org),
        "staff": client_for(world.staff),
    }


def _ids(world: World) -> dict:
    return {
        "api": API,
        "org": world.org.pk,
        "staff": world.staff.pk,
        "entitlement": world.entitlements[2].pk,
        "environment": world.environments[2].pk,
        "service": world.services[1].pk,
        "busy_ticket": world.busy_ticket.pk,
        "busy_entitlement": world.busy_entitlement.pk,
        "plugin": world.plugin.pk,
    }


def _paged(url: str, per_page: int) -> str:
    return f"{url}{'&' if '?' in url else '?'}per_page={per_page}"


@pytest.mark.parametrize(("template", "caller", "ceiling"), LISTS)
def test_list_queries_do_not_grow_with_the_page(template, caller, ceiling, world):
    client = _clients(world)[caller]
    url = template.format(**_ids(world))
    small = count_queries(client, _paged(url, SMALL))
    large = count_queries(client, _paged(url, LARGE))
    assert small == large, f"{url}: {small} queries for {SMALL} rows, {large} for {LARGE}"
    assert large <= ceiling, f"{url}: {large} queries (ceiling {ceiling})"


def test_lists_really_return_full_pages(world):
    """The comparison above means something only if the large page holds many rows."""
    member_api = _clients(world)["member"]
    body = member_api.get(f"{API}/tickets?per_page={LARGE}").json()
    assert len(body["data"]) == LARGE
    replies = member_api.get(f"{API}/tickets/{world.busy_ticket.pk}/replies?per_page={LARGE}")
    assert len(replies.json()["data"]) == LARGE


def _objects(world: World, kind: str) -> tuple[int, int]:
    return {
        "ticket": (world.busy_ticket.pk, world.quiet_ticket.pk),
        "entitlement": (world.busy_entitlement.pk, world.quiet_entitlement.pk),
        "environment": (world.environments[0].pk, world.environments[1].pk),
        "service": (world.services[0].pk, world.services[1].pk),
    }[kind]


@pytest.mark.parametrize(("template", "kind", "caller", "ceiling"), DETAILS)
def test_detail_queries_do_not_grow_with_related_rows(template, kind, caller, ceiling, world):
    client = _clients(world)[caller]
    busy, quiet = _objects(world, kind)
    counts = [count_queries(client, template.format(api=API, id=pk)) for pk in (busy, quiet)]
    assert counts[0] == counts[1], f"{template}: {counts[0]} queries busy, {counts[1]} quiet"
    assert counts[0] <= ceiling, f"{template}: {counts[0]} queries (ceiling {ceiling})"


def test_entitlement_by_code_queries(world):
    member_api = _clients(world)["member"]
    busy, quiet = world.busy_entitlement, world.quiet_entitlement
    counts = [count_queries(member_api, f"{API}/entitlements/code/{e.code}") for e in (busy, quiet)]
    assert counts[0] == counts[1] <= 5


def test_organization_detail_and_me_do_not_grow_with_members(world):
    """An organization with twelve members reads like one with one; so does /auth/me."""
    api = client_for(world.staff)
    orgs = (world.org, world.other_org)
    counts = [count_queries(api, f"{API}/organizations/{o.pk}") for o in orgs]
    assert counts[0] == counts[1] <= 5
    joiner = MembershipFactory(organization=world.org).user
    one = count_queries(client_for(joiner), f"{API}/auth/me")
    for _ in range(5):
        MembershipFactory(user=joiner, organization=OrganizationFactory())
    assert count_queries(client_for(joiner), f"{API}/auth/me") == one <= 3


def test_create_stays_under_its_ceiling(world, django_capture_on_commit_callbacks):
    """POST /tickets, mail callback included (it runs after the commit in production)."""
    body = {"entitlement_id": world.entitlements[3].pk, "title": "New", "description": "Text"}
    for api in (_clients(world)["member"], _clients(world)["staff"]):
        with django_capture_on_commit_callbacks(execute=True):
            queries = count_queries(api, f"{API}/tickets", method="post", data=body, format="json")
        assert queries <= 12, queries
