"""One truth: a ticket raised through any of the three APIs is the same ticket in the other two."""

import pytest

from tests.conftest import API, client_for

V1 = "/api/v1"


@pytest.fixture
def apis(member, staff, org, environment, category):
    return {
        "client": client_for(member, org),
        "staff": client_for(staff, org),
        "ctx": {"isp_id": org.pk, "branch_id": environment.pk, "user_id": staff.pk},
    }


def _seen_everywhere(
    apis, ticket_id: int, *, status_code: int, helpdesk_status: str, account_status: str
):
    account = apis["client"].get(f"{API}/tickets/{ticket_id}")
    assert account.status_code == 200, account.content
    assert account.json()["data"]["status"] == account_status
    isp = apis["staff"].get(f"{V1}/tickets/{ticket_id}")
    assert isp.status_code == 200
    assert isp.json()["data"]["status"] == status_code
    helpdesk = apis["client"].get(f"{V1}/get_ticket_details/{ticket_id}")
    assert helpdesk.status_code == 200
    assert helpdesk.json()["message"]["ticket_details"]["status"] == helpdesk_status
    return account.json()["data"], isp.json()["data"], helpdesk.json()["message"]


def test_account_api_ticket_in_both_compat_apis(apis, environment):
    created = apis["client"].post(
        f"{API}/environments/{environment.pk}/tickets",
        {"title": "Upgrade Moodle to 4.5", "description": "Please upgrade.", "priority": "high"},
        format="json",
    )
    assert created.status_code == 201, created.content
    ticket_id = created.json()["data"]["id"]
    account, isp, helpdesk = _seen_everywhere(
        apis, ticket_id, status_code=0, helpdesk_status="unassigned", account_status="open"
    )
    assert isp["priority"] == 3
    assert helpdesk["ticket_details"]["priority"] == "high"
    assert helpdesk["ticket_details"]["number"] == account["number"]


def test_isp_ticket_in_account_and_helpdesk(apis, member):
    created = apis["staff"].post(
        f"{V1}/tickets",
        {
            **apis["ctx"],
            "subscriber_id": member.pk,
            "title": "Connection Issue",
            "description": "Cannot connect",
            "priority": 1,
        },
        format="json",
    )
    ticket_id = created.json()["data"]["id"]
    apis["staff"].put(
        f"{V1}/tickets/{ticket_id}/status", {**apis["ctx"], "status": 1}, format="json"
    )
    apis["staff"].post(
        f"{V1}/tickets/{ticket_id}/reply", {**apis["ctx"], "message": "On it"}, format="json"
    )
    account, _, helpdesk = _seen_everywhere(
        apis, ticket_id, status_code=1, helpdesk_status="open", account_status="in_progress"
    )
    assert account["priority"] == "low"
    assert account["requester_id"] == member.pk
    assert [m["ticket_message"] for m in helpdesk["ticket_conversation"]] == [
        "Cannot connect",
        "On it",
    ]
    replies = apis["client"].get(f"{API}/tickets/{ticket_id}/replies").json()["data"]
    assert [r["message"] for r in replies] == ["On it"]


def test_helpdesk_ticket_in_account_and_isp(apis, member, staff):
    raised = apis["client"].post(
        f"{V1}/raise_ticket",
        {
            "type": "Payment",
            "subject": "Unable to pay online",
            "priority": "urgent",
            "userId": member.pk,
            "comments": "card refused",
        },
        format="json",
    )
    ticket_id = int(raised.json()["ticketId"])
    apis["staff"].post(
        f"{V1}/send_message",
        {
            "ticketId": ticket_id,
            "ticketMessage": "internal: check gateway",
            "sender": "admin",
            "sender_name": staff.email,
            "showToUser": "false",
        },
        format="json",
    )
    apis["client"].get(f"{V1}/close_ticket/{ticket_id}")
    apis["client"].post(
        f"{V1}/ticket_rating",
        {"ticketId": ticket_id, "userId": member.pk, "ratingValue": 5},
        format="json",
    )
    account, isp, _ = _seen_everywhere(
        apis, ticket_id, status_code=2, helpdesk_status="closed", account_status="resolved"
    )
    assert account["priority"] == "urgent"
    assert account["rating"] == 5
    assert isp["priority"] == 3
    client_replies = apis["client"].get(f"{API}/tickets/{ticket_id}/replies").json()["data"]
    assert client_replies == []  # the internal note stays with staff
    assert [r["message"] for r in isp["replies"]] == ["internal: check gateway"]
    history = apis["client"].get(f"{API}/tickets/{ticket_id}/history").json()["data"]
    assert [row["to_status"] for row in history] == ["open", "resolved"]
