"""Seed 003, the helpdesk's ticket API: every endpoint with the seed's own examples."""

import pytest

from tests.conftest import client_for
from tests.factories import StaffFactory
from tickets.models import Reply, Ticket

V1 = "/api/v1"


@pytest.fixture
def client_api(member, org, environment, category):
    return client_for(member, org)


@pytest.fixture
def helpdesk_staff_api(staff, org):
    return client_for(staff, org)


def _seed_body(user, **extra) -> dict:
    """The seed's example body of raise_ticket, by `user`."""
    return {
        "type": "Payment",
        "subject": "Unable to pay online",
        "priority": "medium",
        "userId": user.pk,
        "comments": "connection timeout",
        **extra,
    }


def _raise(api, user, **extra) -> int:
    response = api.post(f"{V1}/raise_ticket", _seed_body(user, **extra), format="json")
    assert response.status_code == 200, response.content
    return int(response.json()["ticketId"])


def _send(api, ticket_id: int, message: str, *, sender: str, name: str, show: str = "true"):
    """POST send_message the way the helpdesk does."""
    body = {
        "ticketId": ticket_id,
        "ticketMessage": message,
        "sender": sender,
        "sender_name": name,
        "showToUser": show,
    }
    return api.post(f"{V1}/send_message", body, format="json")


def _success(message: str) -> dict:
    """The seed's success answer."""
    return {"status": "success", "errorCode": 200, "message": message}


def test_raise_ticket_answers_the_seed_body(client_api, member, env_entitlement, category):
    response = client_api.post(f"{V1}/raise_ticket", _seed_body(member), format="json")
    assert response.status_code == 200
    body = response.json()
    ticket = Ticket.objects.get(pk=int(body["ticketId"]))
    assert body == {
        "status": "success",
        "errorCode": 200,
        "message": f"Your ticket with the ID {ticket.pk} has been raised. Please wait for the response "
        "and note the ticket Id for future reference.",
        "ticketId": str(ticket.pk),
    }
    assert ticket.priority == "normal"
    assert ticket.category == category
    assert ticket.entitlement == env_entitlement
    assert ticket.requester == member
    assert ticket.source == Ticket.Source.HELPDESK


def test_raise_ticket_form_encoded_like_the_seed(client_api, member):
    response = client_api.post(
        f"{V1}/raise_ticket",
        {"type": "Payment", "subject": "Form", "userId": member.pk, "comments": "sent as a form"},
    )
    assert response.status_code == 200, response.content


def test_raise_ticket_closed_immediately_needs_resolution_fields(client_api, member):
    body = {"type": "Payment", "subject": "x", "userId": member.pk, "comments": "y"}
    missing = client_api.post(
        f"{V1}/raise_ticket", {**body, "closeTicketImmediately": "true"}, format="json"
    )
    assert missing.status_code == 422
    assert missing.json()["status"] == "error"
    assert missing.json()["errorCode"] == 422
    ticket_id = _raise(
        client_api,
        member,
        closeTicketImmediately="true",
        resolutionType="Self-service",
        resolutionSubject="Solved by the user",
    )
    ticket = Ticket.objects.get(pk=ticket_id)
    assert ticket.status in ("resolved", "closed")
    assert ticket.resolution_type == "Self-service"


def test_raise_ticket_errors(client_api, member):
    body = {"type": "Payment", "subject": "x", "userId": member.pk, "comments": "y"}

    def post(**changes):
        return client_api.post(f"{V1}/raise_ticket", {**body, **changes}, format="json")

    unknown_type = post(type="Nope")
    assert unknown_type.status_code == 422
    assert "Nope" in unknown_type.json()["message"]
    other_user = post(userId=member.pk + 999)
    assert other_user.status_code == 403
    bad_priority = post(priority="meh")
    assert bad_priority.status_code == 422
    unknown_code = post(entitlementCode="ENV-2000010001")
    assert unknown_code.status_code == 404
    assert Ticket.objects.count() == 0


def test_get_tickets_by_status_and_admin(client_api, helpdesk_staff_api, member, staff, org):
    first = _raise(client_api, member)
    second = _raise(client_api, member, subject="Second")
    rows = client_api.get(f"{V1}/get_tickets/0").json()["data"]
    assert {int(r["Ticket"]["id"]) for r in rows} == {first, second}
    row = rows[0]["Ticket"]
    assert set(row) >= {
        "id",
        "account_id",
        "user",
        "subject",
        "type",
        "priority",
        "due",
        "status",
        "assigned_to",
        "group_name",
        "created",
    }
    assert row["account_id"] == org.slug
    assert row["status"] == "unassigned"
    assert row["assigned_to"] == "NULL"
    assert row["priority"] == "medium"
    assign = helpdesk_staff_api.post(
        f"{V1}/assign_ticket_to_admin", {"ticketId": first, "admin": staff.email}, format="json"
    )
    assert assign.json() == _success("Admin assigned to the ticket successfully")
    unassigned = client_api.get(f"{V1}/get_tickets/{member.pk}/unassigned").json()["data"]
    assert [int(r["Ticket"]["id"]) for r in unassigned] == [second]
    mine = client_api.get(f"{V1}/get_tickets/0/unresolved/{staff.email}").json()["data"]
    assert [int(r["Ticket"]["id"]) for r in mine] == [first]
    assert mine[0]["Ticket"]["assigned_to"] == staff.email
    assert client_api.get(f"{V1}/get_tickets/0/closed").json()["data"] == []
    bad = client_api.get(f"{V1}/get_tickets/0/whatever")
    assert bad.status_code == 422
    assert bad.json()["status"] == "error"


def test_get_tickets_post_with_dates(client_api, member):
    ticket_id = _raise(client_api, member)
    inside = client_api.post(
        f"{V1}/get_tickets/0/open",
        {"fromDate": "01-01-2000 00:00", "toDate": "31-12-2099 23:59"},
        format="json",
    )
    assert [int(r["Ticket"]["id"]) for r in inside.json()["data"]] == [ticket_id]
    outside = client_api.post(f"{V1}/get_tickets/0", {"toDate": "01-01-2000 0:0"}, format="json")
    assert outside.json()["data"] == []
    bad = client_api.post(f"{V1}/get_tickets/0", {"fromDate": "2016-11-21"}, format="json")
    assert bad.status_code == 422
    assert "dd-mm-yyyy" in bad.json()["message"]


def test_send_message_and_details_hide_internal_notes_from_clients(
    client_api, helpdesk_staff_api, member, staff
):
    ticket_id = _raise(client_api, member)
    public = _send(
        helpdesk_staff_api, ticket_id, "ok. Looking on it", sender="admin", name=staff.email
    )
    assert public.json() == _success("The message has been sent to the user")
    internal = _send(
        helpdesk_staff_api,
        ticket_id,
        "customer is on the old plan",
        sender="admin",
        name=staff.email,
        show="false",
    )
    assert internal.status_code == 200
    assert Reply.objects.get(message="customer is on the old plan").internal is True
    from_user = _send(client_api, ticket_id, "thanks", sender="user", name="max")
    assert from_user.json()["message"] == "The message has been sent to the admin"
    client_view = client_api.get(f"{V1}/get_ticket_details/{ticket_id}").json()["message"]
    messages = [m["ticket_message"] for m in client_view["ticket_conversation"]]
    assert messages == ["connection timeout", "ok. Looking on it", "thanks"]
    assert client_view["ticket_conversation"][1]["sender"] == "admin"
    assert client_view["ticket_details"]["status"] == "unassigned"
    staff_view = helpdesk_staff_api.get(f"{V1}/get_ticket_details/{ticket_id}").json()["message"]
    assert "customer is on the old plan" in [
        m["ticket_message"] for m in staff_view["ticket_conversation"]
    ]


def test_send_message_rules(client_api, member):
    ticket_id = _raise(client_api, member)
    as_admin = _send(client_api, ticket_id, "x", sender="admin", name="x")
    assert as_admin.status_code == 403
    hidden = _send(client_api, ticket_id, "x", sender="user", name="x", show="false")
    assert hidden.status_code == 422
    assert not Reply.objects.filter(ticket_id=ticket_id).exists()


def test_close_reopen_and_rate(client_api, member):
    ticket_id = _raise(client_api, member)
    closed = client_api.get(f"{V1}/close_ticket/{ticket_id}")
    assert closed.json() == _success("The ticket has been closed")
    assert Ticket.objects.get(pk=ticket_id).status == "resolved"
    again = client_api.get(f"{V1}/close_ticket/{ticket_id}")
    assert again.status_code == 409

    def rate(value: str):
        body = {"ticketId": ticket_id, "userId": member.pk, "ratingValue": value}
        return client_api.post(f"{V1}/ticket_rating", body, format="json")

    assert rate("4").json() == _success(
        f"Thanks for your feedback, your rating has been saved for the ticket ID{ticket_id}"
    )
    assert Ticket.objects.get(pk=ticket_id).rating == 4
    assert rate("6").status_code == 422
    reopened = client_api.post(
        f"{V1}/reopen_ticket",
        {"ticketId": ticket_id, "userId": member.pk, "comments": "still broken"},
        format="json",
    )
    assert reopened.json() == _success("Ticket has been reopened successfully")
    assert Ticket.objects.get(pk=ticket_id).status == "open"
    no_reason = client_api.post(
        f"{V1}/reopen_ticket", {"ticketId": ticket_id, "userId": member.pk}, format="json"
    )
    assert no_reason.status_code == 422


def test_assign_rules(client_api, helpdesk_staff_api, member):
    ticket_id = _raise(client_api, member)
    by_client = client_api.post(
        f"{V1}/assign_ticket_to_admin", {"ticketId": ticket_id, "admin": "x"}, format="json"
    )
    assert by_client.status_code == 403
    agent = StaffFactory(email="agent.smith@middag.example")
    by_username = helpdesk_staff_api.post(
        f"{V1}/assign_ticket_to_admin",
        {"ticketId": ticket_id, "admin": "agent.smith"},
        format="json",
    )
    assert by_username.status_code == 200
    assert Ticket.objects.get(pk=ticket_id).assignee == agent
    unknown = helpdesk_staff_api.post(
        f"{V1}/assign_ticket_to_admin", {"ticketId": ticket_id, "admin": "nobody"}, format="json"
    )
    assert unknown.status_code == 404
    assert unknown.json()["status"] == "error"


def test_other_organization_is_invisible(client_api, member, other_owner, other_org):
    ticket_id = _raise(client_api, member)
    outsider = client_for(other_owner, other_org)
    for response in (
        outsider.get(f"{V1}/get_ticket_details/{ticket_id}"),
        outsider.get(f"{V1}/close_ticket/{ticket_id}"),
        outsider.post(
            f"{V1}/ticket_rating",
            {"ticketId": ticket_id, "userId": other_owner.pk, "ratingValue": 5},
            format="json",
        ),
    ):
        assert response.status_code == 404
        assert response.json()["status"] == "error"
    assert outsider.get(f"{V1}/get_tickets/0").json()["data"] == []
    foreign_header = client_for(other_owner, other_org)
    foreign_header.defaults["HTTP_X_MIDDAG_ORGANIZATION"] = str(
        member.memberships.first().organization_id
    )
    assert foreign_header.get(f"{V1}/get_tickets/0").status_code == 403


def test_errors_are_json_in_the_seed_style(anon, client_api):
    unauthenticated = anon.get(f"{V1}/get_tickets/0")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["status"] == "error"
    assert unauthenticated.json()["errorCode"] == 401
    unknown = client_api.get(f"{V1}/get_ticket_details/999999")
    assert unknown.status_code == 404
    assert unknown.json() == {
        "status": "error",
        "errorCode": 404,
        "message": "Ticket 999999 not found.",
    }
    garbage = client_api.get(f"{V1}/get_ticket_details/abc")
    assert garbage.status_code == 422
