"""Conversation, internal notes, assignment, rating and the staff PATCH."""

import pytest

from tests.conftest import API, assert_envelope
from tests.tickets.conftest import move
from tickets import actions
from tickets.models import Reply, Ticket, TicketStatusChange

SECRET = "Internal: the client's server is misconfigured, do not tell them yet."


def test_replies_shape_and_order(ticket, member_api, staff_api, member, staff):
    first = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "Any news?"}, format="json"
    )
    assert first.status_code == 201, first.content
    assert first.json()["message"] == "Reply added"
    second = staff_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "Working on it."}, format="json"
    )
    assert second.status_code == 201
    listed = member_api.get(f"{API}/tickets/{ticket.pk}/replies")
    assert listed.status_code == 200
    body = listed.json()
    assert_envelope(body, success=True)
    assert body["meta"]["total"] == 2
    assert [set(r) for r in body["data"]] == [
        {
            "id",
            "message",
            "internal",
            "author_id",
            "author_name",
            "author_is_staff",
            "attachments",
            "created_at",
        }
    ] * 2
    assert [r["message"] for r in body["data"]] == ["Any news?", "Working on it."]
    assert body["data"][0]["author_id"] == member.pk
    assert body["data"][0]["author_is_staff"] is False
    assert body["data"][1]["author_id"] == staff.pk
    assert body["data"][1]["author_is_staff"] is True
    assert body["data"][1]["author_name"] == staff.name


def test_internal_note_invisible_on_every_client_endpoint(
    ticket, staff_api, member_api, environment
):
    note = staff_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": SECRET, "internal": True}, format="json"
    )
    assert note.status_code == 201
    assert note.json()["data"]["internal"] is True
    public = staff_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "Public answer"}, format="json"
    )
    assert public.status_code == 201
    client_urls = [
        f"{API}/tickets",
        f"{API}/tickets/{ticket.pk}",
        f"{API}/tickets/{ticket.pk}/replies",
        f"{API}/tickets/{ticket.pk}/history",
        f"{API}/environments/{environment.pk}/tickets",
    ]
    for url in client_urls:
        response = member_api.get(url)
        assert response.status_code == 200, url
        assert "misconfigured" not in response.content.decode(), url
    replies = member_api.get(f"{API}/tickets/{ticket.pk}/replies").json()
    assert replies["meta"]["total"] == 1
    assert [r["internal"] for r in replies["data"]] == [False]
    # Staff see both.
    staff_view = staff_api.get(f"{API}/tickets/{ticket.pk}/replies").json()
    assert [r["internal"] for r in staff_view["data"]] == [True, False]


def test_internal_note_does_not_touch_the_ticket(ticket, staff):
    before = Ticket.objects.get(pk=ticket.pk)
    actions.ticket_reply(ticket=ticket, author=staff, message=SECRET, internal=True)
    after = Ticket.objects.get(pk=ticket.pk)
    assert after.first_response_at is None
    assert after.updated_at == before.updated_at
    assert TicketStatusChange.objects.filter(subject=ticket).count() == 1


def test_client_cannot_write_internal_note(ticket, member_api):
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "psst", "internal": True}, format="json"
    )
    assert response.status_code == 403
    assert not Reply.objects.exists()


def test_guest_reads_but_cannot_reply(ticket, guest_api):
    assert guest_api.get(f"{API}/tickets/{ticket.pk}/replies").status_code == 200
    response = guest_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "hi"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "body", [{}, {"message": ""}, {"message": "   "}, {"message": "x", "internal": "maybe"}]
)
def test_reply_validation(ticket, member_api, body):
    response = member_api.post(f"{API}/tickets/{ticket.pk}/replies", body, format="json")
    assert response.status_code == 422


@pytest.mark.parametrize("status_path", [["resolve", "close"], ["cancel"]])
def test_no_replies_on_closed_or_cancelled(make_ticket, staff, member_api, staff_api, status_path):
    ticket = move(make_ticket(), staff, *status_path)
    for api in (member_api, staff_api):
        response = api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "hi"}, format="json")
        assert response.status_code == 409
        assert ticket.status in response.json()["errors"]["detail"]


def test_client_reply_on_waiting_resumes_work(make_ticket, staff, member, member_api):
    ticket = move(make_ticket(), staff, "start", "wait")
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "Here is the info."}, format="json"
    )
    assert response.status_code == 201
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    assert ticket.paused_at is None
    last = TicketStatusChange.objects.filter(subject=ticket).last()
    assert (last.from_status, last.to_status, last.changed_by) == ("waiting", "in_progress", member)


def test_staff_reply_on_waiting_keeps_waiting(make_ticket, staff, staff_api):
    ticket = move(make_ticket(), staff, "start", "wait")
    staff_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "Reminder"}, format="json")
    ticket.refresh_from_db()
    assert ticket.status == "waiting"


def test_first_public_staff_reply_sets_first_response(ticket, staff, staff_api, member_api):
    member_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "client"}, format="json")
    staff_api.post(
        f"{API}/tickets/{ticket.pk}/replies", {"message": "note", "internal": True}, format="json"
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    staff_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "first"}, format="json")
    ticket.refresh_from_db()
    first = ticket.first_response_at
    assert first is not None
    staff_api.post(f"{API}/tickets/{ticket.pk}/replies", {"message": "second"}, format="json")
    ticket.refresh_from_db()
    assert ticket.first_response_at == first
    detail = member_api.get(f"{API}/tickets/{ticket.pk}").json()["data"]
    assert detail["first_response_at"] is not None


# --- assignment ------------------------------------------------------------------------------


def test_staff_assigns_and_unassigns(ticket, staff_api, staff2):
    response = staff_api.post(
        f"{API}/tickets/{ticket.pk}/assign", {"assignee_id": staff2.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["assignee_id"] == staff2.pk
    response = staff_api.post(
        f"{API}/tickets/{ticket.pk}/assign", {"assignee_id": None}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["assignee_id"] is None


def test_assign_rules(ticket, staff_api, member_api, member, staff2):
    assert (
        member_api.post(
            f"{API}/tickets/{ticket.pk}/assign", {"assignee_id": staff2.pk}, format="json"
        ).status_code
        == 403
    )
    not_staff = staff_api.post(
        f"{API}/tickets/{ticket.pk}/assign", {"assignee_id": member.pk}, format="json"
    )
    assert not_staff.status_code == 422
    assert "assignee_id" in not_staff.json()["errors"]["fields"]
    staff2.is_active = False
    staff2.save()
    inactive = staff_api.post(
        f"{API}/tickets/{ticket.pk}/assign", {"assignee_id": staff2.pk}, format="json"
    )
    assert inactive.status_code == 422
    missing = staff_api.post(f"{API}/tickets/{ticket.pk}/assign", {}, format="json")
    assert missing.status_code == 422
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_assignee_filter(make_ticket, staff_api, staff2, staff):
    assigned = make_ticket()
    actions.ticket_assign(ticket=assigned, actor=staff, assignee=staff2)
    unassigned = make_ticket()
    by_staff = staff_api.get(f"{API}/tickets?assignee_id={staff2.pk}").json()["data"]
    assert [t["id"] for t in by_staff] == [assigned.pk]
    nobody = staff_api.get(f"{API}/tickets?assignee_id=none").json()["data"]
    assert [t["id"] for t in nobody] == [unassigned.pk]


# --- rating ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status_path", [["resolve"], ["resolve", "close"]])
def test_rating_on_resolved_or_closed(make_ticket, staff, member_api, member, status_path):
    ticket = move(make_ticket(), staff, *status_path)
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/rate", {"rating": 4, "comment": "Good"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["data"]["rating"] == 4
    again = member_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": 2}, format="json")
    assert again.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment, ticket.rated_by) == (2, "", member)


@pytest.mark.parametrize("status_path", [[], ["start"], ["start", "wait"], ["cancel"]])
def test_rating_before_resolution_409(make_ticket, staff, member_api, status_path):
    ticket = move(make_ticket(), staff, *status_path)
    response = member_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": 5}, format="json")
    assert response.status_code == 409
    assert ticket.status in response.json()["errors"]["detail"]


@pytest.mark.parametrize("rating", [0, 6, -1, "five", None, 2.5])
def test_rating_range_422(make_ticket, staff, member_api, rating):
    ticket = move(make_ticket(), staff, "resolve")
    response = member_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": rating}, format="json")
    assert response.status_code == 422
    assert "rating" in response.json()["errors"]["fields"]


def test_rating_only_by_members(make_ticket, staff, staff_api, guest_api, owner_api):
    ticket = move(make_ticket(), staff, "resolve")
    assert (
        staff_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": 5}, format="json").status_code
        == 403
    )
    assert (
        guest_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": 5}, format="json").status_code
        == 403
    )
    assert (
        owner_api.post(f"{API}/tickets/{ticket.pk}/rate", {"rating": 5}, format="json").status_code
        == 200
    )


# --- PATCH -----------------------------------------------------------------------------------


def test_staff_patch(ticket, staff_api, staff2):
    response = staff_api.patch(
        f"{API}/tickets/{ticket.pk}",
        {
            "title": "Renew the SSL certificate",
            "description": "Updated",
            "due_at": "2030-01-15T12:00:00Z",
            "assignee_id": staff2.pk,
            "category_id": None,
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["title"] == "Renew the SSL certificate"
    assert data["due_at"] == "2030-01-15T12:00:00Z"
    assert data["assignee_id"] == staff2.pk


def test_client_cannot_patch(ticket, member_api, owner_api):
    for api in (member_api, owner_api):
        response = api.patch(f"{API}/tickets/{ticket.pk}", {"title": "Mine now"}, format="json")
        assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.title != "Mine now"


@pytest.mark.parametrize(
    "body",
    [
        {"status": "closed"},
        {"number": "SR-20990001"},
        {"organization_id": 1},
        {"entitlement_id": 1},
        {"requester_id": 1},
        {"response_due_at": "2099-01-01T00:00:00Z"},
        {"priority": "asap"},
        {"title": ""},
        {},
    ],
)
def test_patch_refuses_system_fields_and_bad_values(ticket, staff_api, body):
    response = staff_api.patch(f"{API}/tickets/{ticket.pk}", body, format="json")
    assert response.status_code == 422, response.content
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.number, fresh.response_due_at) == (
        ticket.status,
        ticket.number,
        ticket.response_due_at,
    )


def test_patch_closed_ticket_409(make_ticket, staff, staff_api):
    ticket = move(make_ticket(), staff, "resolve", "close")
    response = staff_api.patch(f"{API}/tickets/{ticket.pk}", {"title": "x"}, format="json")
    assert response.status_code == 409


def test_put_and_delete_not_allowed(ticket, staff_api):
    assert (
        staff_api.put(f"{API}/tickets/{ticket.pk}", {"title": "x"}, format="json").status_code
        == 405
    )
    assert staff_api.delete(f"{API}/tickets/{ticket.pk}").status_code == 405
