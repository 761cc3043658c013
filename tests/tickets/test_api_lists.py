"""Lists, filters, organization scoping and query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import API, assert_envelope, client_for
from tests.factories import EntitlementFactory, OrganizationFactory, ServiceFactory
from tests.helpers import keys
from tests.tickets.conftest import move
from tickets import actions
from tickets.models import Ticket

TICKET_FIELDS = keys(
    "id number title description status priority sla_status entitlement_id "
    "entitlement_code environment_id service_id organization_id requester_id assignee_id "
    "due_at response_due_at resolution_due_at first_response_at resolved_at closed_at "
    "rating created_at updated_at"
)


def test_detail_fields(ticket, member_api, env_entitlement, org, member):
    response = member_api.get(f"{API}/tickets/{ticket.pk}")
    assert response.status_code == 200
    body = response.json()
    assert_envelope(body, success=True)
    assert body["meta"] is None
    data = body["data"]
    assert set(data) >= TICKET_FIELDS
    assert data["entitlement_code"] == env_entitlement.code
    assert data["organization_id"] == org.pk
    assert data["requester_id"] == member.pk
    assert data["sla_status"] == "on_track"
    assert data["created_at"].endswith("Z")
    # Trailing slash too, never a redirect.
    assert member_api.get(f"{API}/tickets/{ticket.pk}/").status_code == 200


def test_clients_see_every_ticket_of_their_org(
    make_ticket, owner, member_api, guest_api, other_ticket
):
    mine = make_ticket()
    owners = make_ticket(actor=owner)
    for api in (member_api, guest_api):
        response = api.get(f"{API}/tickets")
        assert response.status_code == 200
        assert {t["id"] for t in response.json()["data"]} == {mine.pk, owners.pk}


def test_scopeless_member_403(ticket, scopeless_member, org):
    response = client_for(scopeless_member, org).get(f"{API}/tickets")
    assert response.status_code == 403


def test_missing_org_header_422_for_clients(ticket, member):
    response = client_for(member).get(f"{API}/tickets")
    assert response.status_code == 422


def test_staff_without_header_sees_all(ticket, other_ticket, staff_api, staff, org):
    assert {t["id"] for t in staff_api.get(f"{API}/tickets").json()["data"]} == {
        ticket.pk,
        other_ticket.pk,
    }
    scoped = client_for(staff, org).get(f"{API}/tickets").json()["data"]
    assert [t["id"] for t in scoped] == [ticket.pk]


def test_company_header_narrows(ticket, other_ticket, staff_api, other_org):
    other_org.company = "middag_global"
    other_org.save()
    response = staff_api.get(f"{API}/tickets", HTTP_X_MIDDAG_COMPANY="middag_global")
    assert [t["id"] for t in response.json()["data"]] == [other_ticket.pk]


# --- cross-organization: every endpoint is a 404 ---------------------------------------------

CROSS_ORG = [
    ("get", "/tickets/{id}"),
    ("get", "/tickets/{id}/history"),
    ("get", "/tickets/{id}/replies"),
    ("post", "/tickets/{id}/replies"),
    ("post", "/tickets/{id}/start"),
    ("post", "/tickets/{id}/wait"),
    ("post", "/tickets/{id}/resolve"),
    ("post", "/tickets/{id}/close"),
    ("post", "/tickets/{id}/cancel"),
    ("post", "/tickets/{id}/reopen"),
    ("post", "/tickets/{id}/rate"),
]
STAFF_CROSS_ORG = [("patch", "/tickets/{id}"), ("post", "/tickets/{id}/assign")]


@pytest.mark.parametrize(("method", "path"), CROSS_ORG)
def test_other_orgs_ticket_is_404_for_clients(method, path, other_ticket, owner_api):
    body = {"message": "x", "reason": "x", "rating": 5}
    response = getattr(owner_api, method)(
        API + path.format(id=other_ticket.pk), body, format="json"
    )
    assert response.status_code == 404, response.content
    assert response.json()["errors"]["code"] == "NOT_FOUND"
    fresh = Ticket.objects.get(pk=other_ticket.pk)
    assert fresh.status == "open"
    assert fresh.replies.count() == 0


@pytest.mark.parametrize(("method", "path"), CROSS_ORG + STAFF_CROSS_ORG)
def test_other_orgs_ticket_is_404_for_staff_in_an_org(
    method, path, other_ticket, staff, org, staff2
):
    body = {"message": "x", "reason": "x", "rating": 5, "title": "x", "assignee_id": staff2.pk}
    response = getattr(client_for(staff, org), method)(
        API + path.format(id=other_ticket.pk), body, format="json"
    )
    assert response.status_code == 404, response.content


def test_other_orgs_environment_and_service_lists_404(owner_api, other_environment, other_org):
    service = ServiceFactory(
        entitlement=EntitlementFactory(organization=other_org, entitlement_class="SVC")
    )
    for url in (
        f"{API}/environments/{other_environment.pk}/tickets",
        f"{API}/services/{service.pk}/tickets",
        f"{API}/environments/999999/tickets",
        f"{API}/services/999999/tickets",
    ):
        response = owner_api.get(url)
        assert response.status_code == 404, url
        assert_envelope(response.json(), success=False)


def test_missing_ticket_404(member_api):
    assert member_api.get(f"{API}/tickets/999999").status_code == 404
    assert member_api.get(f"{API}/tickets/abc").status_code == 404


# --- filters ---------------------------------------------------------------------------------


@pytest.fixture
def spread(make_ticket, staff, environment, service, staff2, owner):
    """Tickets across statuses, priorities, targets and assignees."""
    t_open = make_ticket(title="Backup restore", priority="urgent")
    t_progress = move(make_ticket(title="SSL renewal", priority="high"), staff, "start")
    t_waiting = move(make_ticket(title="Theme", priority="low"), staff, "start", "wait")
    t_resolved = move(make_ticket(title="Quota", actor=owner), staff, "resolve")
    t_service = make_ticket(actor=staff, service=service, entitlement=None, title="Sprint")
    actions.ticket_assign(ticket=t_progress, actor=staff, assignee=staff2)
    Ticket.objects.filter(pk=t_open.pk).update(created_at=timezone.now() - timedelta(days=10))
    return {
        "open": t_open,
        "progress": t_progress,
        "waiting": t_waiting,
        "resolved": t_resolved,
        "service": t_service,
    }


def _ids(api, query):
    response = api.get(f"{API}/tickets?{query}")
    assert response.status_code == 200, response.content
    return [t["id"] for t in response.json()["data"]]


def test_filters(spread, member_api, environment, service, staff2):
    s = spread
    assert set(_ids(member_api, "status=open")) == {s["open"].pk, s["service"].pk}
    assert set(_ids(member_api, "status=in_progress,waiting")) == {
        s["progress"].pk,
        s["waiting"].pk,
    }
    assert set(_ids(member_api, "priority=urgent")) == {s["open"].pk}
    assert set(_ids(member_api, "priority=low,high")) == {s["waiting"].pk, s["progress"].pk}
    assert set(_ids(member_api, f"environment_id={environment.pk}")) == {
        s["open"].pk,
        s["progress"].pk,
        s["waiting"].pk,
        s["resolved"].pk,
    }
    assert _ids(member_api, f"service_id={service.pk}") == [s["service"].pk]
    assert _ids(member_api, f"entitlement_id={service.entitlement_id}") == [s["service"].pk]
    assert _ids(member_api, f"assignee_id={staff2.pk}") == [s["progress"].pk]
    assert _ids(member_api, "search=ssl") == [s["progress"].pk]
    assert _ids(member_api, f"search={s['resolved'].number}") == [s["resolved"].pk]
    since = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert s["open"].pk not in _ids(member_api, f"created_after={since}")
    assert _ids(member_api, f"created_before={since}") == [s["open"].pk]
    assert _ids(member_api, "unknown_param=1&status=resolved") == [s["resolved"].pk]


def test_ordering(spread, member_api):
    s = spread
    by_priority = _ids(member_api, "ordering=priority")
    assert by_priority[0] == s["waiting"].pk  # low first, then normal, high, urgent
    assert by_priority[-2:] == [s["progress"].pk, s["open"].pk]
    assert _ids(member_api, "ordering=-priority")[0] == s["open"].pk
    assert _ids(member_api, "ordering=created_at")[0] == s["open"].pk
    assert _ids(member_api, "")[-1] == s["open"].pk  # default: newest first


@pytest.mark.parametrize(
    "query",
    [
        "status=opened",
        "status=open,nope",
        "priority=asap",
        "sla_status=late",
        "entitlement_id=abc",
        "environment_id=0",
        "service_id=-1",
        "assignee_id=abc",
        "created_after=yesterday",
        "created_before=2026-13-45",
        "ordering=password",
        "page=0",
        "per_page=abc",
    ],
)
def test_invalid_filter_values_422(query, member_api, ticket):
    response = member_api.get(f"{API}/tickets?{query}")
    assert response.status_code == 422, (query, response.content)
    assert response.json()["errors"]["code"] == "VALIDATION_ERROR"


def test_other_orgs_ids_in_filters_give_an_empty_list(
    member_api, ticket, other_ticket, other_environment
):
    # Issue 18: an id naming nothing the caller can see filters to nothing (was a 422).
    for query in (
        f"entitlement_id={other_ticket.entitlement_id}",
        f"environment_id={other_environment.pk}",
        "environment_id=999999",
    ):
        response = member_api.get(f"{API}/tickets?{query}")
        assert (response.status_code, response.json()["data"]) == (200, [])


def test_member_as_assignee_filter_gives_an_empty_list(member_api, ticket, member):
    # Issue 17: a non-staff id answers like a staff id with no tickets, so staff ids stay private.
    response = member_api.get(f"{API}/tickets?assignee_id={member.pk}")
    assert (response.status_code, response.json()["data"]) == (200, [])


def test_pagination(make_ticket, member_api):
    for _ in range(5):
        make_ticket()
    first = member_api.get(f"{API}/tickets?per_page=2").json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 5, "pages": 3}
    past = member_api.get(f"{API}/tickets?per_page=2&page=9").json()
    assert past["data"] == []
    assert past["meta"]["total"] == 5
    clamped = member_api.get(f"{API}/tickets?per_page=1000").json()
    assert clamped["meta"]["per_page"] == 100


# --- constant query counts -------------------------------------------------------------------


@pytest.fixture
def many(make_ticket, staff, staff2, service, environment, member, owner):
    tickets = []
    for i in range(12):
        ticket = make_ticket(actor=owner if i % 2 else member, priority=["low", "high"][i % 2])
        actions.ticket_reply(ticket=ticket, author=staff, message=f"reply {i}")
        actions.ticket_reply(ticket=ticket, author=staff, message=f"note {i}", internal=True)
        if i % 3 == 0:
            actions.ticket_assign(ticket=ticket, actor=staff, assignee=staff2)
        tickets.append(ticket)
    for i in range(6):
        tickets.append(make_ticket(actor=staff, service=service, entitlement=None, title=f"S{i}"))
    for i in range(10):
        actions.ticket_reply(ticket=tickets[0], author=member, message=f"client {i}")
    return tickets


def _count(api, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/tickets",
        "/tickets?status=open,in_progress&sla_status=on_track,at_risk&ordering=priority",
        "/environments/{env}/tickets",
        "/services/{svc}/tickets",
        "/tickets/{ticket}/replies",
        "/tickets/{ticket}/history",
    ],
)
@pytest.mark.parametrize("who", ["member_api", "staff_api"])
def test_list_query_counts_are_constant(path, who, request, many, environment, service):
    api = request.getfixturevalue(who)
    url = API + path.format(env=environment.pk, svc=service.pk, ticket=many[0].pk)
    joiner = "&" if "?" in url else "?"
    small = _count(api, f"{url}{joiner}per_page=2")
    large = _count(api, f"{url}{joiner}per_page=50")
    assert small == large
    assert large <= 8


def test_paginated_replies(many, member_api):
    body = member_api.get(f"{API}/tickets/{many[0].pk}/replies?per_page=5").json()
    assert body["meta"]["total"] == 11  # 1 staff reply + 10 client replies, no note
    assert [r["message"] for r in body["data"]][:2] == ["reply 0", "client 0"]


def test_other_org_members_lists_are_empty(other_api, many):
    assert other_api.get(f"{API}/tickets").json()["meta"]["total"] == 0


def test_inactive_org_403(ticket, member, org):
    org.status = "inactive"
    org.save()
    assert client_for(member, org).get(f"{API}/tickets").status_code == 403


def test_org_without_tickets(member, db):
    empty = OrganizationFactory()
    from tests.factories import MembershipFactory

    MembershipFactory(user=member, organization=empty)
    response = client_for(member, empty).get(f"{API}/tickets")
    assert response.json()["meta"] == {"page": 1, "per_page": 20, "total": 0, "pages": 0}
