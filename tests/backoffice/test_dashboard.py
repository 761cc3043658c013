"""The staff home (issue 13, item 3): its numbers, live breaches, the API's totals for the same
filters, and a constant number of queries however many requests there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.dashboard import figures
from tests.conftest import client_for
from tests.factories import OrganizationFactory, StaffFactory, TicketFactory
from tickets.models import SlaBreach, Ticket

pytestmark = pytest.mark.django_db

OPEN = Ticket.Status.OPEN
UNRESOLVED = "open,in_progress,waiting"


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def desk(superuser, org, now):
    """One request of each kind the dashboard counts; `superuser` is "me"."""
    colleague = StaffFactory()
    later = now + timedelta(days=3)
    return {
        "mine": TicketFactory(organization=org, assignee=superuser, resolution_due_at=later),
        "breaching": TicketFactory(
            organization=org, response_due_at=now + timedelta(hours=2), resolution_due_at=later
        ),
        "breached": TicketFactory(
            organization=org,
            status=Ticket.Status.IN_PROGRESS,
            assignee=colleague,
            resolution_due_at=now - timedelta(hours=1),  # no SlaBreach row: the sweep has not run
        ),
        "waiting": TicketFactory(
            organization=org,
            status=Ticket.Status.WAITING,
            paused_at=now - timedelta(hours=1),
            resolution_due_at=now + timedelta(hours=1),  # paused: not breaching
        ),
        "resolved_today": TicketFactory(
            organization=org,
            status=Ticket.Status.RESOLVED,
            created_at=now - timedelta(days=3),
            resolved_at=now,
            resolution_due_at=now + timedelta(hours=1),
            rating=5,
        ),
        "closed_late": TicketFactory(
            organization=org,
            status=Ticket.Status.CLOSED,
            created_at=now - timedelta(days=5),
            resolved_at=now - timedelta(days=1),
            resolution_due_at=now - timedelta(days=2),
            rating=2,
        ),
        "old": TicketFactory(
            organization=org,
            status=Ticket.Status.CLOSED,
            created_at=now - timedelta(days=60),
            resolved_at=now - timedelta(days=59),
            rating=1,
        ),
    }


def test_figures_count_each_kind_once(desk, superuser, now):
    f = figures(superuser, now)
    assert (f.my_open, f.unassigned, f.waiting, f.breached, f.breaching) == (1, 2, 1, 1, 1)
    assert f.unresolved == 4
    assert f.created_today == 4  # the four unresolved were created now
    assert f.resolved_today == 1
    assert f.ratings == {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}  # the 60-day-old rating is not counted
    assert f.csat_average == 3.5
    met = sum(m for _, m, _ in f.compliance_per_week)
    late = sum(x for _, _, x in f.compliance_per_week)
    assert (met, late) == (1, 1)
    assert [t.pk for t in f.breaching_soon] == [desk["breaching"].pk]
    assert not SlaBreach.objects.exists()  # breached computed live from the due times


def test_breaching_soon_is_in_urgency_order_and_excludes_later_and_paused(superuser, org, now):
    later = TicketFactory(organization=org, resolution_due_at=now + timedelta(hours=3))
    sooner = TicketFactory(organization=org, resolution_due_at=now + timedelta(minutes=30))
    TicketFactory(organization=org, resolution_due_at=now + timedelta(hours=5))  # beyond 4 h
    TicketFactory(
        organization=org,
        status=Ticket.Status.WAITING,
        paused_at=now,
        resolution_due_at=now + timedelta(minutes=10),
    )
    f = figures(superuser, now)
    assert [t.pk for t in f.breaching_soon] == [sooner.pk, later.pk]
    assert f.breaching == 2


def test_dashboard_numbers_equal_the_apis_totals(desk, superuser, staff_admin, now):
    OrganizationFactory()  # staff see every organization, on the page and in the API
    api = client_for(superuser)

    def total(query: str) -> int:
        response = api.get(f"/wp-json/middag-account/v1/tickets?{query}")
        assert response.status_code == 200, response.content
        return response.json()["meta"]["total"]

    page = staff_admin.get("/admin/")
    assert page.status_code == 200
    f = page.context["figures"]
    today = timezone.localtime(now, timezone.get_current_timezone()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    assert f.my_open == total(f"status={UNRESOLVED}&assignee_id={superuser.pk}")
    assert f.unassigned == total(f"status={UNRESOLVED}&assignee_id=none")
    assert f.waiting == total("status=waiting")
    assert f.breached == total(f"status={UNRESOLVED}&sla_status=breached")
    assert f.unresolved == total(f"status={UNRESOLVED}")
    created_after = today.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f.created_today == total(f"created_after={created_after}")
    # and the page shows them
    for key in ("my_open", "unassigned", "waiting", "breached", "breaching", "created_today"):
        assert f'id="kpi-{key}" data-value="{getattr(f, key)}"' in page.text


def test_the_kpis_open_their_queues(desk, staff_admin):
    page = staff_admin.get("/admin/")
    assert 'href="/admin/tickets/ticket/?queue=mine"' in page.text
    assert 'href="/admin/tickets/ticket/?queue=unassigned"' in page.text
    assert 'href="/admin/tickets/ticket/?queue=breaching"' in page.text
    assert 'href="/admin/tickets/ticket/?queue=waiting"' in page.text
    queue = staff_admin.get("/admin/tickets/ticket/?queue=open&sla_status=breached")
    assert queue.status_code == 200
    assert desk["breached"].number in queue.text


def test_charts_carry_their_data_without_inline_script(desk, staff_admin):
    page = staff_admin.get("/admin/")
    assert page.text.count('class="chart"') == 4
    charts = page.context["charts"]
    assert '"Created"' in charts["created_resolved"]["data"]
    assert "<script>" not in page.text


def test_the_dashboard_runs_a_constant_number_of_queries(desk, staff_admin, superuser, now):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert staff_admin.get("/admin/").status_code == 200
        return len(ctx.captured_queries)

    first = queries()
    for i in range(15):
        org = OrganizationFactory()
        TicketFactory(organization=org, resolution_due_at=now + timedelta(hours=1))
        TicketFactory(
            organization=org,
            status=Ticket.Status.RESOLVED,
            resolved_at=now - timedelta(days=i),
            rating=1 + i % 5,
        )
    assert queries() == first
    assert first <= 12, first


def test_plain_staff_see_the_dashboard_and_no_internal_tables(org):
    plain = StaffFactory()
    from django.test import Client

    client = Client()
    client.force_login(plain)
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "kpi-my_open" in page.text
    for internal in ("sequences", "token_blacklist", "/admin/auth/group/", "idempotency"):
        assert internal not in page.text.lower()


def test_compliance_agrees_with_the_sla_status_of_each_done_request(superuser, org, now):
    """The dashboard's plain conditions give each done request the SLA status the API shows."""
    from django.db.models import Count, Q

    from backoffice.dashboard import DONE_LATE, HAS_SLA
    from tickets.expressions import sla_status_expression

    hour = timedelta(hours=1)
    cases = [
        {},  # no targets: neither met nor late
        {"resolution_due_at": now + hour},  # met
        {"resolution_due_at": now - hour},  # resolved after the due time: late
        {"response_due_at": now - 3 * hour, "first_response_at": now - 2 * hour},  # late answer
        {"response_due_at": now - 3 * hour, "resolution_due_at": now + hour},  # never answered
        {"response_due_at": now + hour, "first_response_at": now - hour},  # answered in time
    ]
    for fields in cases:
        TicketFactory(organization=org, status=Ticket.Status.RESOLVED, resolved_at=now, **fields)
    done = Ticket.objects.filter(status=Ticket.Status.RESOLVED)
    expected = done.annotate(sla=sla_status_expression(now)).aggregate(
        met=Count("pk", filter=Q(sla="met")), late=Count("pk", filter=Q(sla="breached"))
    )
    got = done.aggregate(with_sla=Count("pk", filter=HAS_SLA), late=Count("pk", filter=DONE_LATE))
    assert (got["with_sla"] - got["late"], got["late"]) == (expected["met"], expected["late"])
    assert expected == {"met": 2, "late": 3}
