"""The lifecycle: every transition allowed and forbidden, for staff and clients, and history."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from tests.conftest import API, assert_envelope, client_for
from tests.helpers import moves
from tests.tickets.conftest import move
from tickets.models import Ticket, TicketStatusChange

PATHS = {
    "open": [],
    "in_progress": ["start"],
    "waiting": ["start", "wait"],
    "resolved": ["resolve"],
    "closed": ["resolve", "close"],
    "cancelled": ["cancel"],
}
# SPEC §4: (from, transition) → to.
ALLOWED = moves(
    """
    open         start    in_progress
    waiting      start    in_progress
    in_progress  wait     waiting
    open         resolve  resolved
    in_progress  resolve  resolved
    waiting      resolve  resolved
    resolved     close    closed
    resolved     reopen   open
    open         cancel   cancelled
    in_progress  cancel   cancelled
    waiting      cancel   cancelled
    resolved     cancel   cancelled
    """
)
NAMES = ["start", "wait", "resolve", "close", "cancel", "reopen"]
CASES = [(status, name) for status in PATHS for name in NAMES]


def _ticket_in(status, make_ticket, staff) -> Ticket:
    return move(make_ticket(), staff, *PATHS[status])


@pytest.mark.parametrize(("status", "name"), CASES)
def test_staff_transitions(status, name, make_ticket, staff, staff_api):
    ticket = _ticket_in(status, make_ticket, staff)
    rows = TicketStatusChange.objects.filter(subject=ticket).count()
    response = staff_api.post(f"{API}/tickets/{ticket.pk}/{name}", {"reason": "why"}, format="json")
    ticket.refresh_from_db()
    if (status, name) in ALLOWED:
        assert response.status_code == 200, response.content
        assert response.json()["data"]["status"] == ALLOWED[status, name]
        assert ticket.status == ALLOWED[status, name]
        last = TicketStatusChange.objects.filter(subject=ticket).last()
        assert (last.from_status, last.to_status, last.changed_by_id) == (
            status,
            ALLOWED[status, name],
            response.wsgi_request.user.pk,
        )
        assert last.reason == "why"
    else:
        assert response.status_code == 409, response.content
        assert_envelope(response.json(), success=False)
        assert response.json()["errors"]["code"] == "CONFLICT"
        assert f"'{status}'" in response.json()["errors"]["detail"]
        assert ticket.status == status
        assert TicketStatusChange.objects.filter(subject=ticket).count() == rows


CLIENT_MAY = {
    ("open", "resolve"),
    ("in_progress", "resolve"),
    ("waiting", "resolve"),
    ("resolved", "close"),
    ("resolved", "reopen"),
    ("open", "cancel"),
    ("in_progress", "cancel"),
    ("waiting", "cancel"),
}


@pytest.mark.parametrize(("status", "name"), CASES)
def test_client_transitions(status, name, make_ticket, staff, member_api):
    ticket = _ticket_in(status, make_ticket, staff)
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/{name}", {"reason": "why"}, format="json"
    )
    ticket.refresh_from_db()
    if (status, name) in CLIENT_MAY:
        assert response.status_code == 200, response.content
        assert ticket.status == ALLOWED[status, name]
    elif (status, name) in ALLOWED:  # the lifecycle allows it, not for clients
        assert response.status_code == 403, response.content
        assert response.json()["errors"]["code"] == "AUTHORIZATION_ERROR"
        assert ticket.status == status
    else:
        assert response.status_code == 409, response.content
        assert ticket.status == status


@pytest.mark.parametrize("name", NAMES)
def test_guest_cannot_transition(name, make_ticket, staff, guest_api):
    ticket = _ticket_in("resolved", make_ticket, staff)
    response = guest_api.post(f"{API}/tickets/{ticket.pk}/{name}", {"reason": "x"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("api", ["staff_api", "member_api"])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reopen_needs_a_reason(api, reason, request, make_ticket, staff):
    ticket = _ticket_in("resolved", make_ticket, staff)
    body = {} if reason is None else {"reason": reason}
    response = request.getfixturevalue(api).post(
        f"{API}/tickets/{ticket.pk}/reopen", body, format="json"
    )
    assert response.status_code == 422
    assert "reason" in response.json()["errors"]["fields"]
    ticket.refresh_from_db()
    assert ticket.status == "resolved"


def test_reopen_records_reason_and_clears_resolution(make_ticket, staff, member_api):
    ticket = _ticket_in("resolved", make_ticket, staff)
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/reopen", {"reason": "Still broken"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["data"]["resolved_at"] is None
    history = member_api.get(f"{API}/tickets/{ticket.pk}/history").json()["data"]
    assert history[-1] == {
        "from_status": "resolved",
        "to_status": "open",
        "changed_at": history[-1]["changed_at"],
        "changed_by": response.wsgi_request.user.pk,
        "reason": "Still broken",
    }


def test_full_lifecycle_history(make_ticket, staff, staff_api, member_api, member):
    ticket = make_ticket()
    for name in ["start", "wait", "start", "resolve", "reopen", "resolve"]:
        assert (
            staff_api.post(
                f"{API}/tickets/{ticket.pk}/{name}", {"reason": "r"}, format="json"
            ).status_code
            == 200
        )
    assert member_api.post(f"{API}/tickets/{ticket.pk}/close").status_code == 200
    history = member_api.get(f"{API}/tickets/{ticket.pk}/history/").json()["data"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        (None, "open"),
        ("open", "in_progress"),
        ("in_progress", "waiting"),
        ("waiting", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "open"),
        ("open", "resolved"),
        ("resolved", "closed"),
    ]
    assert history[0]["changed_by"] == member.pk
    assert history[-1]["changed_by"] == member.pk
    ticket.refresh_from_db()
    assert ticket.closed_at is not None


def test_transition_times(make_ticket, staff):
    ticket = move(make_ticket(), staff, "resolve")
    assert ticket.resolved_at is not None
    ticket = move(ticket, staff, "close")
    assert ticket.closed_at >= ticket.resolved_at
    cancelled = move(make_ticket(), staff, "cancel")
    assert cancelled.closed_at is not None


def test_unknown_transition_route_404(make_ticket, staff_api):
    ticket = make_ticket()
    response = staff_api.post(f"{API}/tickets/{ticket.pk}/explode")
    assert response.status_code == 404
    assert_envelope(response.json(), success=False)


def test_wrong_method_405(make_ticket, staff_api):
    ticket = make_ticket()
    response = staff_api.get(f"{API}/tickets/{ticket.pk}/resolve")
    assert response.status_code == 405
    assert_envelope(response.json(), success=False)


def _run_in_threads(count: int, fn):
    barrier = Barrier(count)

    def worker(i):
        try:
            barrier.wait(timeout=10)
            return fn(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_one_wins(make_ticket, staff, staff2):
    ticket = make_ticket()
    clients = [client_for(staff), client_for(staff2)]
    statuses = _run_in_threads(
        2, lambda i: clients[i].post(f"{API}/tickets/{ticket.pk}/resolve").status_code
    )
    assert sorted(statuses) == [200, 409]
    assert TicketStatusChange.objects.filter(subject=ticket, to_status="resolved").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_different_transitions_one_wins(make_ticket, staff, member, org):
    ticket = move(make_ticket(), staff, "resolve")
    clients = [client_for(staff), client_for(member, org)]
    names = ["close", "reopen"]
    statuses = _run_in_threads(
        2,
        lambda i: (
            clients[i]
            .post(f"{API}/tickets/{ticket.pk}/{names[i]}", {"reason": "r"}, format="json")
            .status_code
        ),
    )
    assert sorted(statuses) == [200, 409]
    assert TicketStatusChange.objects.filter(subject=ticket).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_creations_get_consecutive_numbers(member, org, env_entitlement):
    body = {"title": "Load", "description": "Concurrent", "entitlement_id": env_entitlement.pk}

    def create(i):
        response = client_for(member, org).post(f"{API}/tickets", body, format="json")
        return response.status_code, response.json()["data"]["number"]

    results = _run_in_threads(20, create)
    assert {status for status, _ in results} == {201}
    numbers = sorted(number for _, number in results)
    assert len(set(numbers)) == 20
    seqs = [int(n[7:]) for n in numbers]
    assert seqs == list(range(seqs[0], seqs[0] + 20))
    assert {n[:7] for n in numbers} == {numbers[0][:7]}
    assert Ticket.objects.count() == 20
