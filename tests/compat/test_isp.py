"""Seed 002, the ISP back office's ticket API: every endpoint with the seed's own examples."""

import pytest

from tests.conftest import client_for
from tickets.models import Reply, Ticket, TicketStatusChange

BASE = "/api/v1/tickets"


@pytest.fixture
def ctx(org, environment, staff):
    return {"isp_id": org.pk, "branch_id": environment.pk, "user_id": staff.pk}


def _seed_body(ctx, member, **extra) -> dict:
    """The seed's example body of a new ticket, for `member`."""
    return {
        **ctx,
        "subscriber_id": member.pk,
        "title": "Connection Issue",
        "description": "Cannot connect to internet",
        "priority": 2,
        **extra,
    }


def _create(staff_api, ctx, member, **extra) -> int:
    response = staff_api.post(BASE, _seed_body(ctx, member, **extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()["data"]["id"]


def test_create_answers_the_seed_body_and_makes_a_real_ticket(staff_api, ctx, member, environment):
    response = staff_api.post(BASE, _seed_body(ctx, member), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "success": True,
        "message": "Ticket created successfully",
        "data": {"id": body["data"]["id"]},
    }
    ticket = Ticket.objects.get(pk=body["data"]["id"])
    assert ticket.number.startswith("SR-")
    assert ticket.priority == "normal"
    assert ticket.requester == member
    assert ticket.environment == environment
    assert ticket.entitlement == environment.entitlement
    assert ticket.source == Ticket.Source.ISP
    assert TicketStatusChange.objects.filter(
        subject=ticket, from_status=None, to_status="open"
    ).exists()


def test_fetch_all_has_the_seed_fields_and_filters(staff_api, ctx, member):
    first = _create(staff_api, ctx, member, priority=3)
    _create(staff_api, ctx, member, priority=1)
    response = staff_api.get(BASE, ctx)
    assert response.status_code == 200
    data = response.json()["data"]
    assert len(data) == 2
    row = next(r for r in data if r["id"] == first)
    assert set(row) == {
        "id",
        "title",
        "subscriber_id",
        "subscriber_name",
        "priority",
        "status",
        "created_at",
    }
    assert row["priority"] == 3
    assert row["status"] == 0
    assert row["subscriber_name"] == member.name
    assert len(row["created_at"]) == 19  # "2024-01-15 10:30:00"
    high = staff_api.get(BASE, {**ctx, "priority": 3}).json()["data"]
    assert [r["id"] for r in high] == [first]
    assert staff_api.get(BASE, {**ctx, "status": 2}).json()["data"] == []
    everything = staff_api.get(BASE, {**ctx, "branch_id": 0}).json()["data"]
    assert len(everything) == 2


def test_fetch_all_requires_the_seed_parameters(staff_api, ctx):
    response = staff_api.get(BASE, {"isp_id": ctx["isp_id"]})
    assert response.status_code == 422
    body = response.json()
    assert body["success"] is False
    assert "branch_id" in body["message"]
    bad = staff_api.get(BASE, {**ctx, "status": "abc"})
    assert bad.status_code == 422
    assert staff_api.get(BASE, {**ctx, "status": 9}).status_code == 422


def test_fetch_one_with_replies(staff_api, ctx, member, staff):
    ticket_id = _create(staff_api, ctx, member)
    reply = staff_api.post(
        f"{BASE}/{ticket_id}/reply", {**ctx, "message": "We are looking into this."}, format="json"
    )
    assert reply.status_code == 201
    assert reply.json() == {"success": True, "message": "Reply added successfully"}
    response = staff_api.get(f"{BASE}/{ticket_id}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert {
        "id",
        "title",
        "description",
        "subscriber_id",
        "subscriber_name",
        "priority",
        "status",
        "replies",
        "created_at",
    } <= set(data)
    assert data["replies"][0]["message"] == "We are looking into this."
    assert data["replies"][0]["user_name"] == staff.name
    assert {"id", "message", "user_name", "created_at"} <= set(data["replies"][0])


def test_update_ticket(staff_api, ctx, member):
    ticket_id = _create(staff_api, ctx, member)
    response = staff_api.put(
        f"{BASE}/{ticket_id}", {"title": "Updated Title", "priority": 3}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Ticket updated successfully"}
    ticket = Ticket.objects.get(pk=ticket_id)
    assert (ticket.title, ticket.priority) == ("Updated Title", "high")
    assert staff_api.put(f"{BASE}/{ticket_id}", {"priority": 7}, format="json").status_code == 422
    assert staff_api.put(f"{BASE}/{ticket_id}", {}, format="json").status_code == 422


def test_change_status_walks_the_lifecycle_and_closed_is_final(staff_api, ctx, member):
    ticket_id = _create(staff_api, ctx, member)
    url = f"{BASE}/{ticket_id}/status"
    for code, expected in [(1, "in_progress"), (2, "resolved"), (0, "open"), (3, "closed")]:
        response = staff_api.put(url, {**ctx, "status": code}, format="json")
        assert response.status_code == 200, response.content
        assert response.json() == {"success": True, "message": "Ticket status updated successfully"}
        assert Ticket.objects.get(pk=ticket_id).status == expected
    back = staff_api.put(url, {**ctx, "status": 0}, format="json")
    assert back.status_code == 409
    assert back.json()["success"] is False
    assert Ticket.objects.get(pk=ticket_id).status == "closed"
    transitions = list(
        TicketStatusChange.objects.filter(subject_id=ticket_id).values_list("to_status", flat=True)
    )
    assert transitions == ["open", "in_progress", "resolved", "open", "resolved", "closed"]


def test_delete_removes_ticket_and_replies(staff_api, ctx, member):
    ticket_id = _create(staff_api, ctx, member)
    staff_api.post(f"{BASE}/{ticket_id}/reply", {**ctx, "message": "hello"}, format="json")
    response = staff_api.delete(f"{BASE}/{ticket_id}")
    assert response.status_code == 200
    assert response.json() == {"success": True, "message": "Ticket deleted successfully"}
    assert not Ticket.objects.filter(pk=ticket_id).exists()
    assert not Reply.objects.filter(ticket_id=ticket_id).exists()
    again = staff_api.get(f"{BASE}/{ticket_id}")
    assert again.status_code == 404
    assert again.json() == {"success": False, "message": "Ticket not found."}


def test_staff_only_and_user_id_must_be_the_caller(member, org, ctx, staff_api):
    client = client_for(member, org)
    response = client.get(BASE, ctx)
    assert response.status_code == 403
    assert response.json()["success"] is False
    wrong_user = staff_api.get(BASE, {**ctx, "user_id": ctx["user_id"] + 1000})
    assert wrong_user.status_code == 403


def test_unauthenticated_is_401_in_the_seed_style(anon, ctx):
    response = anon.get(BASE, ctx)
    assert response.status_code == 401
    assert response.json()["success"] is False
    assert "message" in response.json()


def test_branch_of_another_isp_is_404(staff_api, ctx, other_environment):
    response = staff_api.get(BASE, {**ctx, "branch_id": other_environment.pk})
    assert response.status_code == 404


def test_branch_zero_uses_the_only_active_env_entitlement(staff_api, ctx, member, env_entitlement):
    ticket_id = _create(staff_api, ctx, member, branch_id=0)
    assert Ticket.objects.get(pk=ticket_id).entitlement == env_entitlement


def test_branch_zero_with_no_env_entitlement_asks_for_a_branch(staff_api, other_org, staff):
    no_branch = {"isp_id": other_org.pk, "branch_id": 0, "user_id": staff.pk}
    response = staff_api.post(
        BASE, {**no_branch, "title": "x", "description": "y", "priority": 1}, format="json"
    )
    assert response.status_code == 422
    assert "branch_id" in response.json()["message"]


def test_malformed_json_is_a_4xx_in_the_seed_style(staff_api):
    response = staff_api.generic("POST", BASE, "{not json", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["success"] is False
