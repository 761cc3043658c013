"""The staff home in Chromium (issue 13, item 3): the numbers a person sees are the API's, the
charts are drawn under the Content-Security-Policy, long organization names do not break it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import admin_login
from tests.conftest import client_for
from tests.factories import PASSWORD, OrganizationFactory, StaffFactory, TicketFactory
from tickets.models import Ticket

LONG_NAME = "Fundação Universidade Estadual de Exemplo do Norte e Nordeste — Campus Avançado " * 2


@pytest.fixture
def desk(settings):
    """A desk with work in every state; `me` is the staff member signing in."""
    settings.STAFF_MFA_REQUIRED = False
    now = timezone.now()
    me = StaffFactory(email="ana@middag.example", name="Ana Agent", is_superuser=True)
    colleague = StaffFactory(name="Bruno Backoffice")
    acme = OrganizationFactory(name="Acme Learning")
    longest = OrganizationFactory(name=LONG_NAME.strip())
    for _ in range(3):
        TicketFactory(organization=acme, assignee=me, resolution_due_at=now + timedelta(days=2))
    TicketFactory(
        organization=longest,
        title="Certificates are not generated for the whole cohort " * 3,
        response_due_at=now + timedelta(hours=1, minutes=20),
        resolution_due_at=now + timedelta(days=1),
    )
    TicketFactory(
        organization=acme,
        title="Gradebook export times out",
        resolution_due_at=now + timedelta(hours=3),
    )
    TicketFactory(
        organization=longest,
        status=Ticket.Status.IN_PROGRESS,
        assignee=colleague,
        resolution_due_at=now - timedelta(minutes=40),
    )
    TicketFactory(
        organization=acme, status=Ticket.Status.WAITING, paused_at=now - timedelta(hours=2)
    )
    for day in range(20):
        TicketFactory(
            organization=acme if day % 3 else longest,
            status=Ticket.Status.CLOSED,
            created_at=now - timedelta(days=day + 2),
            resolved_at=now - timedelta(days=day),
            resolution_due_at=now - timedelta(days=day) + timedelta(hours=(-2 if day % 4 else 5)),
            rating=[5, 4, 5, 3, 5, 2, 4][day % 7],
        )
    return me


def _api_total(user, query: str) -> int:
    response = client_for(user).get(f"/wp-json/middag-account/v1/tickets?{query}")
    assert response.status_code == 200
    return response.json()["meta"]["total"]


def test_the_dashboard_shows_the_apis_numbers_and_draws_its_charts(
    page, live_server, desk, screenshot
):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(r.url) if r.status >= 400 else None)
    admin_login(page, live_server, desk.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#kpis")).to_be_visible()

    unresolved = "open,in_progress,waiting"
    expected = {
        "my_open": _api_total(desk, f"status={unresolved}&assignee_id={desk.pk}"),
        "unassigned": _api_total(desk, f"status={unresolved}&assignee_id=none"),
        "waiting": _api_total(desk, "status=waiting"),
        "breached": _api_total(desk, f"status={unresolved}&sla_status=breached"),
    }
    assert expected == {"my_open": 3, "unassigned": 3, "waiting": 1, "breached": 1}
    for key, value in expected.items():
        expect(page.locator(f"#kpi-{key} .bo-kpi-value")).to_have_text(str(value))
    expect(page.locator("#kpi-breaching .bo-kpi-value")).to_have_text("2")

    # Countdowns on what breaches next, soonest first.
    rows = page.locator("#breaching-soon tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("left")

    # Four charts, drawn (Chart.js attached a chart to each canvas), no CSP or script error.
    canvases = page.locator("canvas.chart")
    expect(canvases).to_have_count(4)
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas.chart')].every(c => Chart.getChart(c))"
    )
    assert not problems, problems

    # A 160-character organization name and a long title stay inside the page.
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(page, "admin-dashboard", full_page=True)


def test_a_kpi_opens_its_queue(page, live_server, desk):
    admin_login(page, live_server, desk.email, PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.locator("#kpi-my_open").click()
    page.wait_for_load_state()
    assert "queue=mine" in page.url
    assert page.locator("#result_list tbody tr").count() == 3


def test_the_dashboard_on_a_phone(phone_page, live_server, desk, screenshot):
    admin_login(phone_page, live_server, desk.email, PASSWORD)
    phone_page.goto(f"{live_server.url}/admin/")
    expect(phone_page.locator("#kpi-my_open")).to_be_visible()
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    screenshot(phone_page, "admin-dashboard-phone", full_page=True)
