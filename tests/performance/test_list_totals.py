"""Totals read from the trigger-kept ticket counts, and deep pages picked by id, change nothing:
every list answers what counting and slicing the rows would."""

from __future__ import annotations

import pytest
from django.db.models import Count

from accounts.models import Organization
from config.api import EnvelopePagination
from tests.conftest import API, client_for
from tests.factories import OrganizationFactory, TicketFactory
from tests.performance.conftest import World
from tickets import actions
from tickets.api.views import TicketViewSet
from tickets.models import Ticket, TicketCount

pytestmark = pytest.mark.postgres  # the counts are kept by PostgreSQL triggers


def _counts_match() -> None:
    rows = dict(Ticket.objects.values_list("organization").annotate(n=Count("id")))
    kept = {k: v for k, v in TicketCount.objects.values_list("organization", "tickets") if v}
    assert kept == rows


def test_counts_follow_every_kind_of_write(world: World):
    _counts_match()
    other = OrganizationFactory()
    TicketFactory.create_batch(3, organization=other, entitlement__organization=other)
    _counts_match()
    Ticket.objects.bulk_create(
        [
            Ticket(
                number=f"SR-BULK{n}",
                title="Bulk",
                description="Bulk",
                organization=other,
                entitlement=world.entitlements[0],
                requester=world.member,
            )
            for n in range(4)
        ]
    )
    _counts_match()
    actions.ticket_delete(ticket=world.tickets[3], actor=world.staff)
    _counts_match()
    Ticket.objects.filter(title="Bulk").delete()
    _counts_match()
    Ticket.objects.filter(pk=world.tickets[4].pk).update(organization=other)  # a data fix
    _counts_match()


@pytest.mark.parametrize(
    ("caller", "query", "headers"),
    [
        ("member", "", {}),
        ("member", "?ordering=-updated_at", {}),
        ("member", "?status=open,in_progress", {}),
        ("member", "?page=3&per_page=5", {}),
        ("staff", "", {}),
        ("staff", "?priority=high", {}),
        ("staff", "", {"HTTP_X_MIDDAG_COMPANY": "middag_global"}),
        ("staff_in_org", "", {}),
    ],
)
def test_list_totals_equal_counting_the_rows(world: World, monkeypatch, caller, query, headers):
    other = OrganizationFactory(company="middag_global")
    TicketFactory.create_batch(2, organization=other, entitlement__organization=other)
    api = {
        "member": client_for(world.member, world.org),
        "staff": client_for(world.staff),
        "staff_in_org": client_for(world.staff, world.org),
    }[caller]
    kept = api.get(f"{API}/tickets{query}", **headers).json()
    monkeypatch.setattr(TicketViewSet, "list_total", lambda self, queryset: None)
    counted = api.get(f"{API}/tickets{query}", **headers).json()
    assert kept["meta"] == counted["meta"]
    assert [t["id"] for t in kept["data"]] == [t["id"] for t in counted["data"]]
    assert counted["meta"]["total"] > 0


def test_unfiltered_totals_read_no_ticket_rows(world: World):
    """The client's and the desk's unfiltered lists take their totals from the counts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for api in (client_for(world.member, world.org), client_for(world.staff)):
        with CaptureQueriesContext(connection) as ctx:
            body = api.get(f"{API}/tickets").json()
        assert body["meta"]["total"] == (
            Ticket.objects.filter(organization=world.org).count()
            if api.defaults.get("HTTP_X_MIDDAG_ORGANIZATION")
            else Ticket.objects.count()
        )
        assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?ordering=-updated_at",
        "?ordering=status",
        "?ordering=priority",
        "?ordering=-priority",
        "?status=open",
    ],
)
@pytest.mark.parametrize("per_page", [2, 5])
def test_deep_pages_picked_by_id_equal_plain_slices(world: World, monkeypatch, query, per_page):
    api = client_for(world.staff)
    joiner = "&" if query else "?"

    def pages() -> list[list[int]]:
        out, page = [], 1
        while True:
            url = f"{API}/tickets{query}{joiner}per_page={per_page}&page={page}"
            body = api.get(url).json()
            if not body["data"]:
                return out
            out.append([t["id"] for t in body["data"]])
            page += 1

    monkeypatch.setattr(EnvelopePagination, "deep_page_from", 10**9)
    plain = pages()
    monkeypatch.setattr(EnvelopePagination, "deep_page_from", 1)
    by_id = pages()
    assert by_id == plain
    assert len(plain) > 2


def test_organization_without_tickets_has_zero_total(world: World):
    empty = Organization.objects.create(name="Empty", slug="empty-org")
    assert not TicketCount.objects.filter(pk=empty.pk).exists()
    from tickets.queries import ticket_total

    assert ticket_total(empty) == 0
