"""load_scale_data on a small N: consistent rows, numbers that continue, history, isolation."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from accounts.models import Membership, Organization, User
from bench.management.commands.load_scale_data import CLIENT_EMAIL, STAFF_EMAIL
from config.numbering import business_time
from entitlements import actions as entitlement_actions
from entitlements.models import Entitlement, EntitlementStatusChange
from environments.models import Environment, EnvironmentStatusChange
from services.models import Service, ServiceStatusChange
from tests.conftest import API, client_for
from tickets import actions
from tickets.models import Reply, Ticket, TicketCount, TicketStatusChange
from tickets.sla import sla_status

pytestmark = pytest.mark.postgres

TICKETS = 400


@pytest.fixture
def loaded(db):
    out = StringIO()
    call_command(
        "load_scale_data",
        tickets=TICKETS,
        orgs=6,
        days=20,
        no_vacuum=True,
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def _last(name: str) -> int:
    from sequences.models import Sequence

    return Sequence.objects.get(name=name).last


def test_counts_and_every_kind_of_row(loaded):
    assert Ticket.objects.count() == TICKETS
    assert Organization.objects.filter(slug__startswith="scale-").count() == 6
    classes = set(Entitlement.objects.values_list("entitlement_class", flat=True))
    assert classes == {"PLG", "ENV", "SVC", "ORD", "AFL", "EDU"}
    assert Environment.objects.exists()
    assert Service.objects.exists()
    assert Reply.objects.filter(internal=True).exists()
    assert Reply.objects.filter(internal=False).exists()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"owner", "admin", "member", "guest"}
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert {"open", "in_progress", "resolved", "closed", "cancelled"} <= statuses
    assert set(Ticket.objects.values_list("priority", flat=True)) == {
        "low",
        "normal",
        "high",
        "urgent",
    }
    sla = set(Ticket.objects.with_sla_status().values_list("sla_status", flat=True))
    assert {"met", "breached", "none"} <= sla
    kept = dict(TicketCount.objects.exclude(tickets=0).values_list("organization", "tickets"))
    assert kept == dict(Ticket.objects.values_list("organization").annotate(n=Count("id")))
    client_org = Organization.objects.get(slug="scale-0001")
    biggest = Ticket.objects.values("organization").annotate(n=Count("id")).order_by("-n")[0]
    assert biggest["organization"] == client_org.pk  # the benchmark's client is the largest


def test_numbers_continue_after_the_load(loaded, staff):
    """The counters stand at the last number used, so the action's next number follows on."""
    by_year = Counter(n[3:7] for n in Ticket.objects.values_list("number", flat=True))
    for year, count in by_year.items():
        assert _last(f"ticket.{year}") == count
        numbers = {
            int(n[7:])
            for n in Ticket.objects.filter(number__startswith=f"SR-{year}").values_list(
                "number", flat=True
            )
        }
        assert numbers == set(range(1, count + 1))  # gapless, no duplicates
    year = f"{business_time():%Y}"
    before = by_year.get(year, 0)
    client = User.objects.get(email=CLIENT_EMAIL)
    entitlement = Entitlement.objects.filter(
        organization__slug="scale-0001", entitlement_class="ENV", status="active"
    ).first()
    ticket = actions.ticket_create(
        actor=client, entitlement=entitlement, title="After the load", description="Next one."
    )
    assert ticket.number == f"SR-{year}{before + 1:04d}"
    # Entitlement codes: each class's monthly counter stands at the codes it handed out.
    codes = list(Entitlement.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"(PLG|ENV|SVC|ORD|AFL|EDU)-\d{6}\d{4,}", c) for c in codes)
    for prefix, count in Counter(c[:10] for c in codes).items():
        assert _last(f"entitlement.{prefix[:3]}.{prefix[4:]}") == count, prefix
    new = entitlement_actions.entitlement_create(
        actor=staff,
        entitlement_class="ENV",
        product_name="New",
        organization=entitlement.organization,
    )
    period = f"{business_time():%Y%m}"
    used = sum(1 for c in codes if c.startswith(f"ENV-{period}"))
    assert new.code == f"ENV-{period}{used + 1:04d}"


def test_history_tells_each_objects_story(loaded):
    """A creation row first, then one row per transition, ending in the current status."""
    for model, history in (
        (Ticket, TicketStatusChange),
        (Entitlement, EntitlementStatusChange),
        (Environment, EnvironmentStatusChange),
        (Service, ServiceStatusChange),
    ):
        rows: dict[int, list] = {}
        for row in history.objects.order_by("changed_at", "id"):
            rows.setdefault(row.subject_id, []).append(row)
        for pk, status in model.objects.values_list("pk", "status"):
            story = rows[pk]
            assert story[0].from_status is None, model
            assert story[0].transition == "create", model
            assert story[-1].to_status == status, (model, pk)
            for before, after in itertools.pairwise(story):
                assert after.from_status == before.to_status, (model, pk)
    # The first public staff reply is the first response, as ticket_reply records it.
    for ticket in Ticket.objects.exclude(first_response_at=None)[:100]:
        first = (
            Reply.objects.filter(ticket=ticket, internal=False, author__is_staff=True)
            .order_by("created_at")
            .first()
        )
        assert first is not None
        assert first.created_at == ticket.first_response_at


def test_sla_status_in_sql_and_python_agree(loaded):
    for ticket in Ticket.objects.with_sla_status()[:TICKETS]:
        assert ticket.sla_status == sla_status(ticket), ticket.number


def test_organizations_are_isolated(loaded):
    assert not Membership.objects.values("user").annotate(n=Count("id")).filter(n__gt=1)
    mismatched = Ticket.objects.filter(
        ~Q(entitlement__organization=F("organization"))
        | (Q(environment__isnull=False) & ~Q(environment__organization=F("organization")))
        | (Q(service__isnull=False) & ~Q(service__organization=F("organization")))
    )
    assert not mismatched.exists()
    for ticket in Ticket.objects.select_related("requester")[:TICKETS]:
        assert Membership.objects.filter(
            user=ticket.requester, organization_id=ticket.organization_id, is_active=True
        ).exists()
    assert not Environment.objects.exclude(organization=F("entitlement__organization")).exists()
    # Through the API: the client sees its organization's tickets only; another's is a 404.
    client_org = Organization.objects.get(slug="scale-0001")
    api = client_for(User.objects.get(email=CLIENT_EMAIL), client_org)
    body = api.get(f"{API}/tickets").json()
    assert body["meta"]["total"] == Ticket.objects.filter(organization=client_org).count()
    assert {t["organization_id"] for t in body["data"]} == {client_org.pk}
    foreign = Ticket.objects.exclude(organization=client_org).first()
    assert api.get(f"{API}/tickets/{foreign.pk}").status_code == 404
    staff = User.objects.get(email=STAFF_EMAIL)
    assert staff.is_staff
    assert client_for(staff).get(f"{API}/tickets").json()["meta"]["total"] == TICKETS


def test_a_second_run_loads_nothing(loaded):
    out = StringIO()
    call_command("load_scale_data", tickets=10, stdout=out, stderr=StringIO())
    assert "already loaded" in out.getvalue()
    assert Ticket.objects.count() == TICKETS


def test_dry_run_saves_nothing(db):
    out = StringIO()
    call_command("load_scale_data", tickets=50, orgs=3, dry_run=True, stdout=out, stderr=StringIO())
    assert "rolled back" in out.getvalue()
    assert not Ticket.objects.exists()
    assert not Organization.objects.filter(slug__startswith="scale-").exists()
