"""No lost updates: ETag on single objects, If-Match on writes (412 when stale), one winner."""

from __future__ import annotations

import pytest

from entitlements.models import Entitlement, EntitlementStatusChange
from tests.conftest import API, client_for
from tests.helpers import race
from tickets.models import Ticket, TicketStatusChange

# resource → (caller allowed to PATCH, world attribute, PATCH body, field changed)
RESOURCES = {
    "entitlements": ("staff", "env_entitlement", {"product_name": "Renamed"}),
    "environments": ("staff", "environment", {"name": "Renamed"}),
    "services": ("staff", "service", {"name": "Renamed"}),
    "tickets": ("staff", "ticket", {"title": "Renamed"}),
    "organizations": ("owner", "org", {"name": "Renamed"}),
}


def _url(world, resource: str) -> str:
    return f"{API}/{resource}/{getattr(world, RESOURCES[resource][1]).pk}"


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_detail_get_has_a_stable_etag(world, resource):
    client = world.clients[RESOURCES[resource][0]]
    first = client.get(_url(world, resource))
    assert first.status_code == 200
    tag = first["ETag"]
    assert tag.startswith('"')
    assert tag.endswith('"')
    assert client.get(_url(world, resource))["ETag"] == tag
    assert client.get(_url(world, resource) + "/")["ETag"] == tag


@pytest.mark.parametrize("resource", sorted(RESOURCES))
def test_patch_with_the_current_etag_wins_and_a_stale_one_is_412(world, resource):
    caller, _, body = RESOURCES[resource]
    client = world.clients[caller]
    url = _url(world, resource)
    tag = client.get(url)["ETag"]

    ok = client.patch(url, body, format="json", HTTP_IF_MATCH=tag)
    assert ok.status_code == 200, ok.content
    new_tag = ok["ETag"]
    assert new_tag != tag
    assert client.get(url)["ETag"] == new_tag

    stale = client.patch(
        url, {**body, **dict.fromkeys(body, "Lost")}, format="json", HTTP_IF_MATCH=tag
    )
    assert stale.status_code == 412, stale.content
    envelope = stale.json()
    assert envelope["success"] is False
    assert envelope["data"] is None
    assert envelope["errors"]["code"] == "PRECONDITION_FAILED"
    field = next(iter(body))
    assert client.get(url).json()["data"][field] == "Renamed"  # the stale write changed nothing


def test_if_match_star_and_lists_and_no_header(world):
    client = world.clients["staff"]
    url = _url(world, "entitlements")
    tag = client.get(url)["ETag"]
    both = client.patch(url, {"product_name": "A"}, format="json", HTTP_IF_MATCH=f'"nope", {tag}')
    assert both.status_code == 200
    assert (
        client.patch(url, {"product_name": "B"}, format="json", HTTP_IF_MATCH="*").status_code
        == 200
    )
    assert client.patch(url, {"product_name": "C"}, format="json").status_code == 200
    weak = client.patch(url, {"product_name": "D"}, format="json", HTTP_IF_MATCH=f"W/{tag}")
    assert weak.status_code == 412  # If-Match compares strongly


def test_if_match_guards_transitions_too(world):
    client = world.clients["staff"]
    url = _url(world, "entitlements")
    tag = client.get(url)["ETag"]
    client.patch(url, {"product_name": "Changed meanwhile"}, format="json")
    response = client.post(f"{url}/suspend", {"reason": "x"}, format="json", HTTP_IF_MATCH=tag)
    assert response.status_code == 412
    assert Entitlement.objects.get(pk=world.env_entitlement.pk).status == "active"


def test_a_stale_if_match_does_not_bypass_access_checks(world):
    """Access first: a client who may not write gets 403/404, never a hint about the ETag."""
    url = _url(world, "entitlements")
    assert (
        world.clients["member"].patch(url, {}, format="json", HTTP_IF_MATCH='"x"').status_code
        == 403
    )
    org_url = _url(world, "organizations")
    assert (
        world.clients["other"].patch(org_url, {}, format="json", HTTP_IF_MATCH='"x"').status_code
        == 404
    )


def test_the_schema_documents_etag_if_match_and_412(anon, db):
    schema = anon.get("/api/schema/?format=json").json()
    patch = schema["paths"][f"{API}/tickets/{{id}}"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"] if p["in"] == "header"}
    assert "412" in patch["responses"]
    get = schema["paths"][f"{API}/tickets/{{id}}"]["get"]
    assert "ETag" in get["responses"]["200"].get("headers", {})
    post = schema["paths"][f"{API}/tickets"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in post["parameters"] if p["in"] == "header"}


@pytest.mark.postgres
def test_concurrent_patches_with_one_etag_leave_exactly_one_winner(committed_world):
    world = committed_world
    staff = world.user("staff")
    url = f"{API}/tickets/{world.ticket.pk}"
    tag = client_for(staff, world.org).get(url)["ETag"]

    def patch(i: int) -> int:
        client = client_for(staff, world.org)
        return client.patch(
            url, {"title": f"Writer {i}"}, format="json", HTTP_IF_MATCH=tag
        ).status_code

    statuses = race(5, patch)
    assert sorted(statuses) == [200, 412, 412, 412, 412]
    assert Ticket.objects.get(pk=world.ticket.pk).title.startswith("Writer ")


@pytest.mark.postgres
def test_concurrent_transitions_leave_one_winner_and_one_history_row(committed_world):
    """Across apps: N staff resolve one ticket and suspend one entitlement at the same moment."""
    world = committed_world
    staff = world.user("staff")
    ticket_url = f"{API}/tickets/{world.ticket.pk}/resolve"
    entitlement_url = f"{API}/entitlements/{world.env_entitlement.pk}/suspend"

    def act(i: int) -> tuple[str, int]:
        client = client_for(staff, world.org)
        url = ticket_url if i % 2 else entitlement_url
        return url, client.post(url, {"reason": f"writer {i}"}, format="json").status_code

    results = race(8, act)
    for url in (ticket_url, entitlement_url):
        statuses = sorted(status for u, status in results if u == url)
        assert statuses == [200, 409, 409, 409], (url, statuses)
    assert (
        TicketStatusChange.objects.filter(subject=world.ticket, to_status="resolved").count() == 1
    )
    assert (
        EntitlementStatusChange.objects.filter(
            subject=world.env_entitlement, to_status="suspended"
        ).count()
        == 1
    )
