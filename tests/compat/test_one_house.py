"""Issue 12 ("One house") for both compatibility APIs: tickets are read through the caller's
organization (another organization's ticket is answered exactly like a missing one, and the SQL
says so), input errors come in each API's own wire format, naming the first bad field, and the
organization's only active ENV entitlement is one query shared by both APIs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from entitlements.models import Entitlement
from entitlements.queries import sole_active_env_entitlement
from tests.conftest import client_for
from tests.factories import EntitlementFactory, TicketFactory
from tickets.errors import TicketNotFound
from tickets.models import Reply, Ticket
from tickets.queries import access_ticket_by_id

V1 = "/api/v1"
MISSING = 987_654_321


@pytest.fixture
def theirs(other_org) -> Ticket:
    """An open ticket of another organization."""
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="ENV")
    return TicketFactory(entitlement=entitlement)


@pytest.fixture
def mine(env_entitlement) -> Ticket:
    return TicketFactory(entitlement=env_entitlement)


@pytest.fixture
def isp(staff):
    return client_for(staff)


@pytest.fixture
def ctx(org, staff) -> dict:
    return {"isp_id": org.pk, "branch_id": 0, "user_id": staff.pk}


def _untouched(ticket: Ticket) -> None:
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert (fresh.status, fresh.title, fresh.priority, fresh.rating) == (
        ticket.status,
        ticket.title,
        ticket.priority,
        ticket.rating,
    )
    assert not Reply.objects.filter(ticket=ticket).exists()


# --- another organization's ticket is a missing ticket --------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("put", "", {"title": "Mine now"}),
        ("delete", "", None),
        ("post", "/reply", {"message": "hello"}),
        ("put", "/status", {"status": 2}),
    ],
)
def test_isp_answers_another_isps_ticket_as_missing(isp, ctx, theirs, method, suffix, body):
    def call(pk: int):
        url = f"{V1}/tickets/{pk}{suffix}"
        if body is None:
            return getattr(isp, method)(f"{url}?isp_id={ctx['isp_id']}")
        return getattr(isp, method)(url, {**ctx, **body}, format="json")

    foreign, missing = call(theirs.pk), call(MISSING)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"success": False, "message": "Ticket not found."}
    _untouched(theirs)


def _helpdesk_calls(client, user):
    """Each helpdesk operation that names a ticket, as a function of the ticket id."""
    return {
        "details": lambda pk: client.get(f"{V1}/get_ticket_details/{pk}"),
        "close (GET)": lambda pk: client.get(f"{V1}/close_ticket/{pk}"),
        "close (POST)": lambda pk: client.post(f"{V1}/close_ticket/{pk}"),
        "send_message": lambda pk: client.post(
            f"{V1}/send_message",
            {
                "ticketId": pk,
                "ticketMessage": "hello",
                "sender": "admin" if user.is_staff else "user",
                "sender_name": "max",
                "showToUser": "true",
            },
            format="json",
        ),
        "reopen": lambda pk: client.post(
            f"{V1}/reopen_ticket",
            {"ticketId": pk, "userId": user.pk, "comments": "again"},
            format="json",
        ),
        "rating": lambda pk: client.post(
            f"{V1}/ticket_rating",
            {"ticketId": pk, "userId": user.pk, "ratingValue": 5},
            format="json",
        ),
    }


@pytest.mark.parametrize("caller", ["member", "staff"])
def test_helpdesk_answers_another_organizations_ticket_as_missing(
    request, caller, org, theirs, staff
):
    user = request.getfixturevalue(caller)
    client = client_for(user, org)  # staff too: the header's organization scopes them
    calls = _helpdesk_calls(client, user)
    if caller == "staff":
        calls["assign"] = lambda pk: client.post(
            f"{V1}/assign_ticket_to_admin", {"ticketId": pk, "admin": staff.email}, format="json"
        )
    for name, call in calls.items():
        foreign, missing = call(theirs.pk), call(MISSING)
        assert foreign.status_code == missing.status_code == 404, name
        assert foreign.json() == {
            "status": "error",
            "errorCode": 404,
            "message": f"Ticket {theirs.pk} not found.",
        }, name
        assert missing.json() == {**foreign.json(), "message": f"Ticket {MISSING} not found."}
    _untouched(theirs)


def test_staff_without_an_organization_still_see_every_organizations_ticket(staff, theirs):
    details = client_for(staff).get(f"{V1}/get_ticket_details/{theirs.pk}")
    assert details.status_code == 200
    isp = client_for(staff).get(f"{V1}/tickets/{theirs.pk}")
    assert isp.status_code == 200
    assert isp.json()["data"]["id"] == theirs.pk


# --- the ticket read is scoped in SQL -------------------------------------------------------


def _ticket_reads(queries, pk: int) -> list[str]:
    table = Ticket._meta.db_table
    return [
        q["sql"]
        for q in queries
        if f'FROM "{table}"' in q["sql"] and f'"{table}"."id" = {pk}' in q["sql"]
    ]


def _assert_scoped(queries, ticket: Ticket, org) -> None:
    reads = _ticket_reads(queries, ticket.pk)
    assert reads, "the ticket was not read by id"
    column = f'"{Ticket._meta.db_table}"."organization_id" = {org.pk}'
    assert all(column in sql for sql in reads), reads


def test_helpdesk_reads_the_ticket_through_the_organization(member, org, mine):
    with CaptureQueriesContext(connection) as ctx:
        response = client_for(member, org).get(f"{V1}/get_ticket_details/{mine.pk}")
    assert response.status_code == 200
    _assert_scoped(ctx.captured_queries, mine, org)


def test_isp_reads_the_ticket_through_the_isp(isp, ctx, org, mine):
    with CaptureQueriesContext(connection) as captured:
        response = isp.get(f"{V1}/tickets/{mine.pk}", {"isp_id": org.pk})
    assert response.status_code == 200
    _assert_scoped(captured.captured_queries, mine, org)


def test_a_foreign_ticket_id_is_never_read_outside_the_organization(member, org, theirs):
    with CaptureQueriesContext(connection) as ctx:
        client_for(member, org).post(
            f"{V1}/ticket_rating",
            {"ticketId": theirs.pk, "userId": member.pk, "ratingValue": 5},
            format="json",
        )
    _assert_scoped(ctx.captured_queries, theirs, org)


def test_access_ticket_by_id(org, other_org, mine, theirs):
    assert access_ticket_by_id(org, mine.pk) == mine
    with pytest.raises(TicketNotFound):
        access_ticket_by_id(org, theirs.pk)
    with pytest.raises(TicketNotFound):
        access_ticket_by_id(None, theirs.pk)  # no organization and not staff: nothing
    assert access_ticket_by_id(None, theirs.pk, staff=True) == theirs


# --- bad input, in each API's own format ----------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"status": "abc"}, "status", "The status field must be an integer."),
        ({"status": 9}, "status", "status must be 0, 1, 2 or 3."),
        ({"priority": 0}, "priority", "priority must be 1, 2 or 3."),
        ({"isp_id": 0}, "isp_id", "The isp_id field must be at least 1."),
        ({"user_id": ""}, "user_id", "The user_id field is required."),
        ({"page": "x"}, "page", "The page field must be an integer."),
    ],
)
def test_isp_list_bad_parameters(isp, ctx, params, field, message):
    response = isp.get(f"{V1}/tickets", {**ctx, **params})
    assert response.status_code == 422
    assert response.json() == {"success": False, "message": message, "errors": {field: [message]}}


def test_isp_create_names_only_the_first_bad_field(isp, ctx):
    response = isp.post(
        f"{V1}/tickets",
        {**ctx, "title": "x" * 201, "description": "  ", "priority": 7},
        format="json",
    )
    assert response.status_code == 422
    message = "The title field may not be longer than 200 characters."
    assert response.json() == {"success": False, "message": message, "errors": {"title": [message]}}
    assert not Ticket.objects.exists()


def test_isp_update_needs_something_to_change(isp, mine):
    response = isp.put(f"{V1}/tickets/{mine.pk}", {"title": "  "}, format="json")
    assert response.status_code == 422
    assert response.json()["message"] == "The title field is required."
    nothing = isp.put(f"{V1}/tickets/{mine.pk}", {"title": ""}, format="json")
    assert nothing.json()["errors"] == {
        "title": ["Send at least one of title, description, priority."]
    }


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("get_ticket_details/abc", None, "The ticketId field must be an integer."),
        ("get_ticket_details/0", None, "The ticketId field must be at least 1."),
        ("get_tickets/x", None, "The userId field must be an integer."),
        (
            "get_tickets/0/someday",
            None,
            "Unknown status 'someday'. Use one of: unresolved, overdue, duetoday, open, onhold, "
            "unassigned, closed.",
        ),
        (
            "get_tickets/0",
            {"toDate": "2016-11-21"},
            "toDate must be a date as dd-mm-yyyy H:m (e.g. 21-11-2016 17:01).",
        ),
        (
            "ticket_rating",
            {"ticketId": "x", "userId": 1, "ratingValue": 9},
            "The ticketId field must be an integer.",
        ),
        (
            "raise_ticket",
            {"type": "Payment", "subject": "s", "comments": "c", "userId": "me"},
            "The userId field must be an integer.",
        ),
        (
            "raise_ticket",
            {"type": "Payment", "subject": "s", "comments": "c", "closeTicketImmediately": "yes"},
            "The userId field is required.",
        ),
    ],
)
def test_helpdesk_bad_parameters(member, org, category, path, body, message):
    client = client_for(member, org)
    if body is None:
        response = client.get(f"{V1}/{path}")
    else:
        response = client.post(f"{V1}/{path}", body, format="json")
    assert response.status_code == 422
    assert response.json() == {"status": "error", "errorCode": 422, "message": message}


def test_helpdesk_checks_fields_in_the_seeds_order(member, org, category, mine, env_entitlement):
    client = client_for(member, org)
    body = {"ticketId": mine.pk, "userId": member.pk, "ratingValue": 6}
    rating = client.post(f"{V1}/ticket_rating", body, format="json")
    assert rating.json()["message"] == "ratingValue must be 1, 2, 3, 4 or 5."
    # The ticket is looked up before the later fields are read: a missing ticket is a 404.
    missing = client.post(f"{V1}/ticket_rating", {**body, "ticketId": MISSING}, format="json")
    assert missing.status_code == 404
    hidden = client.post(
        f"{V1}/send_message",
        {
            "ticketId": mine.pk,
            "ticketMessage": "m",
            "sender": "user",
            "sender_name": "max",
            "showToUser": "maybe",
        },
        format="json",
    )
    assert hidden.json()["message"] == 'The showToUser field must be "true" or "false".'


# --- the organization's only active ENV entitlement -----------------------------------------


def test_sole_active_env_entitlement(org):
    with pytest.raises(Entitlement.DoesNotExist):
        sole_active_env_entitlement(org)
    EntitlementFactory(organization=org, entitlement_class="SVC")
    EntitlementFactory(organization=org, entitlement_class="ENV", status="suspended")
    only = EntitlementFactory(organization=org, entitlement_class="ENV")
    assert sole_active_env_entitlement(org) == only
    EntitlementFactory(organization=org, entitlement_class="ENV")
    with pytest.raises(Entitlement.MultipleObjectsReturned):
        sole_active_env_entitlement(org)


def test_both_apis_ask_for_a_branch_or_code_when_there_is_no_sole_entitlement(
    isp, ctx, member, org, category
):
    EntitlementFactory.create_batch(2, organization=org, entitlement_class="ENV")
    created = isp.post(
        f"{V1}/tickets",
        {**ctx, "title": "t", "description": "d", "priority": 1},
        format="json",
    )
    assert created.status_code == 422
    assert created.json()["message"] == (
        "This ISP has several active hosting entitlements; send the branch_id of the environment."
    )
    raised = client_for(member, org).post(
        f"{V1}/raise_ticket",
        {"type": "Payment", "subject": "s", "comments": "c", "userId": member.pk},
        format="json",
    )
    assert raised.status_code == 422
    assert raised.json()["message"] == (
        "This organization has several active hosting entitlements; send entitlementCode."
    )
