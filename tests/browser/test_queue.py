"""The queue in Chromium (issue 13, items 4 and 9): the urgency order, the one-click views and a
200-character title without spaces that must not push the other columns off a 1440 px screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import admin_login
from tests.factories import (
    PASSWORD,
    EntitlementFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
)
from tests.tickets.conftest import _default_sla_targets, backdate, move  # noqa: F401
from tickets import actions
from tickets.models import Ticket

pytestmark = pytest.mark.usefixtures("_default_sla_targets")


@pytest.fixture
def queue(settings):
    """Requests in every state of urgency, assigned and not."""
    settings.STAFF_MFA_REQUIRED = False
    agent = StaffFactory(email="agent@middag.example", name="Ana Agent", is_superuser=True)
    other_agent = StaffFactory(name="Bruno Backoffice")
    made = {}
    for name in ("Acme Learning", "Universidade Federal de Exemplo"):
        org = OrganizationFactory(name=name)
        requester = MembershipFactory(organization=org, role="owner").user
        made[name] = (org, requester, EntitlementFactory(organization=org, sla_tier="business"))
    org, requester, entitlement = made["Acme Learning"]
    _org2, requester2, entitlement2 = made["Universidade Federal de Exemplo"]

    def create(title, who=requester, ent=entitlement, **kwargs):
        return actions.ticket_create(
            actor=who, title=title, description="Details.", entitlement=ent, **kwargs
        )

    def due_in(ticket, delta):
        now = timezone.now()
        Ticket.objects.filter(pk=ticket.pk).update(
            response_due_at=now + delta, resolution_due_at=now + delta + timedelta(hours=8)
        )
        return Ticket.objects.get(pk=ticket.pk)

    breached = backdate(
        create("Moodle down for every student", priority="urgent"), timedelta(days=2)
    )
    soon = due_in(
        create("Grades export empty", who=requester2, ent=entitlement2), timedelta(minutes=50)
    )
    later = due_in(create("Add a new course category", priority="low"), timedelta(hours=20))
    long_title = create("x" * 200, who=requester2, ent=entitlement2, priority="high")
    long_title = due_in(long_title, timedelta(hours=3))
    waiting = move(create("Theme colours"), agent, "start", "wait")
    actions.ticket_assign(ticket=soon, actor=agent, assignee=agent)
    actions.ticket_assign(ticket=long_title, actor=agent, assignee=other_agent)
    return {
        "agent": agent,
        "order": [breached, soon, long_title, later, waiting],
        "long": long_title,
        "soon": soon,
    }


def numbers_on_screen(page) -> list[str]:
    return page.locator("#result_list tbody a.bo-number").all_inner_texts()


def test_urgency_order_and_queues(page, live_server, queue):
    admin_login(page, live_server, queue["agent"].email, PASSWORD)
    page.goto(f"{live_server.url}/admin/tickets/ticket/")
    assert numbers_on_screen(page) == [t.number for t in queue["order"]]
    expect(page.locator("#result_list tbody tr").first).to_contain_text("overdue")
    page.locator(".bo-tabs").get_by_role("link", name="Mine").click()
    page.wait_for_url("**queue=mine")
    assert numbers_on_screen(page) == [queue["soon"].number]
    page.locator(".bo-tabs").get_by_role("link", name="Waiting on client").click()
    page.wait_for_url("**queue=waiting")
    assert numbers_on_screen(page) == [queue["order"][-1].number]
    # j/k walk the rows, Enter opens one.
    page.locator(".bo-tabs").get_by_role("link", name="All open").click()
    page.wait_for_url("**queue=open")
    page.locator(".bo-tabs-hint").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator("tr.bo-row-current")).to_contain_text(queue["order"][1].number)
    page.keyboard.press("Enter")
    expect(page.locator("#bo-workspace")).to_be_visible()
    assert f"/{queue['order'][1].pk}/change/" in page.url


def test_long_title_list_fits_1440(page, live_server, queue, screenshot):
    admin_login(page, live_server, queue["agent"].email, PASSWORD)
    page.goto(f"{live_server.url}/admin/tickets/ticket/?queue=open")
    width = page.viewport_size["width"]
    assert width == 1440
    row = page.locator("#result_list tbody tr", has=page.locator(f"text={queue['long'].number}"))
    for column in ("status_label", "priority_label", "sla", "due", "assignee_name"):
        cell = row.locator(f"td.field-{column}")
        box = cell.bounding_box()
        assert box is not None, column
        assert box["x"] + box["width"] <= width, f"{column} is off-screen"
    title = row.locator("a.bo-title")
    assert title.get_attribute("title") == "x" * 200  # the full text on hover
    title_box = title.bounding_box()
    assert title_box["width"] < 700  # cut with an ellipsis, not 200 characters wide
    number = row.locator("a.bo-number").bounding_box()
    assert number["height"] < 30  # the number does not wrap
    screenshot(page, "admin-queue")
