"""The status and priority mappings of SPEC §5, in both directions, through real requests."""

import pytest

from tests.conftest import client_for
from tests.factories import TicketFactory
from tickets.models import Ticket

V1 = "/api/v1"

# Our status → (ISP code, helpdesk display status for an unassigned ticket)
STATUSES = {
    "open": (0, "unassigned"),
    "in_progress": (1, "open"),
    "waiting": (1, "onhold"),
    "resolved": (2, "closed"),
    "closed": (3, "closed"),
    "cancelled": (3, "closed"),
}
# Our priority → (ISP code, helpdesk word)
PRIORITIES = {
    "low": (1, "low"),
    "normal": (2, "medium"),
    "high": (3, "high"),
    "urgent": (3, "urgent"),
}


@pytest.fixture
def ctx(org, environment, staff):
    return {"isp_id": org.pk, "branch_id": environment.pk, "user_id": staff.pk}


@pytest.mark.parametrize(("status", "expected"), STATUSES.items())
def test_status_reads_the_same_in_both_apis(status, expected, staff, org, environment, member, ctx):
    ticket = TicketFactory(
        entitlement=environment.entitlement,
        environment=environment,
        status=status,
        requester=member,
    )
    staff_api = client_for(staff, org)
    isp = staff_api.get(f"{V1}/tickets/{ticket.pk}").json()["data"]
    assert isp["status"] == expected[0]
    details = client_for(member, org).get(f"{V1}/get_ticket_details/{ticket.pk}").json()["message"]
    assert details["ticket_details"]["status"] == expected[1]
    listed = staff_api.get(f"{V1}/tickets", {**ctx, "status": expected[0]}).json()["data"]
    assert [row["id"] for row in listed] == [ticket.pk]


@pytest.mark.parametrize(("priority", "expected"), PRIORITIES.items())
def test_priority_reads_the_same_in_both_apis(priority, expected, staff, org, environment, member):
    ticket = TicketFactory(
        entitlement=environment.entitlement,
        environment=environment,
        priority=priority,
        requester=member,
    )
    assert (
        client_for(staff, org).get(f"{V1}/tickets/{ticket.pk}").json()["data"]["priority"]
        == expected[0]
    )
    row = client_for(member, org).get(f"{V1}/get_tickets/0").json()["data"][0]["Ticket"]
    assert row["priority"] == expected[1]


@pytest.mark.parametrize(("code", "priority"), [(1, "low"), (2, "normal"), (3, "high")])
def test_isp_priority_writes(code, priority, staff, org, ctx, member):
    response = client_for(staff, org).post(
        f"{V1}/tickets", {**ctx, "title": "t", "description": "d", "priority": code}, format="json"
    )
    assert Ticket.objects.get(pk=response.json()["data"]["id"]).priority == priority


@pytest.mark.parametrize(
    ("word", "priority"),
    [("low", "low"), ("medium", "normal"), ("high", "high"), ("urgent", "urgent")],
)
def test_helpdesk_priority_writes(word, priority, member, org, environment, category):
    response = client_for(member, org).post(
        f"{V1}/raise_ticket",
        {"type": "Payment", "subject": "s", "priority": word, "userId": member.pk, "comments": "c"},
        format="json",
    )
    assert Ticket.objects.get(pk=int(response.json()["ticketId"])).priority == priority


@pytest.mark.parametrize(
    ("helpdesk_filter", "matching"),
    [
        ("unresolved", {"open", "in_progress", "waiting"}),
        ("open", {"open", "in_progress"}),
        ("onhold", {"waiting"}),
        ("unassigned", {"open", "in_progress", "waiting"}),
        ("closed", {"resolved", "closed", "cancelled"}),
    ],
)
def test_helpdesk_status_filters(helpdesk_filter, matching, member, org, environment):
    tickets = {
        status: TicketFactory(entitlement=environment.entitlement, status=status, requester=member)
        for status in STATUSES
    }
    rows = client_for(member, org).get(f"{V1}/get_tickets/0/{helpdesk_filter}").json()["data"]
    assert {int(r["Ticket"]["id"]) for r in rows} == {tickets[s].pk for s in matching}


def test_every_door_keeps_numbers_sla_and_history(staff, member, org, ctx, category):
    isp = client_for(staff, org).post(
        f"{V1}/tickets", {**ctx, "title": "t", "description": "d", "priority": 3}, format="json"
    )
    helpdesk = client_for(member, org).post(
        f"{V1}/raise_ticket",
        {
            "type": "Payment",
            "subject": "s",
            "priority": "high",
            "userId": member.pk,
            "comments": "c",
        },
        format="json",
    )
    first = Ticket.objects.get(pk=isp.json()["data"]["id"])
    second = Ticket.objects.get(pk=int(helpdesk.json()["ticketId"]))
    assert int(second.number[-4:]) == int(first.number[-4:]) + 1
    for ticket in (first, second):
        assert ticket.resolution_due_at is not None
        assert ticket.response_due_at is not None
        assert list(ticket.history.values_list("from_status", "to_status")) == [(None, "open")]
