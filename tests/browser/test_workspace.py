"""The request workspace in Chromium (issue 13, items 5, 6 and 9): triage and reply in three page
loads, typed text surviving a transition, a canned reply, confirmation on cancel, the
staff-created request mailing its client, the keyboard shortcuts."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import admin_login
from tests.factories import (
    PASSWORD,
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    OrganizationFactory,
    StaffFactory,
)
from tests.tickets.conftest import _default_sla_targets, backdate  # noqa: F401 (a fixture)
from tickets import actions
from tickets.models import CannedReply, Reply, Ticket

pytestmark = pytest.mark.usefixtures("_default_sla_targets")


@pytest.fixture
def desk(settings):
    """An agent, a client organization with its requester, an environment and two requests."""
    settings.STAFF_MFA_REQUIRED = False
    agent = StaffFactory(email="agent@middag.example", name="Ana Agent", is_superuser=True)
    org = OrganizationFactory(name="Acme Learning")
    MembershipFactory(organization=org, role="owner")
    requester = MembershipFactory(
        organization=org, role="member", user__name="Carla Client", user__email="carla@acme.example"
    ).user
    entitlement = EntitlementFactory(
        organization=org, entitlement_class="ENV", sla_tier="business", product_name="Campus EAD"
    )
    environment = EnvironmentFactory(
        entitlement=entitlement,
        organization=org,
        name="campus-prod",
        url="https://campus.acme.example",
        status="active",
    )
    ticket = actions.ticket_create(
        actor=requester,
        title="Students cannot upload assignments",
        description="Since this morning every upload fails with an error 413.",
        entitlement=entitlement,
        priority="high",
    )
    actions.ticket_reply(ticket=ticket, author=requester, message="It affects 300 students.")
    actions.ticket_reply(
        ticket=ticket, author=agent, message="Probably the proxy's body size limit.", internal=True
    )
    other = backdate(
        actions.ticket_create(
            actor=requester,
            title="Certificate renewal",
            description="Expires next week.",
            entitlement=entitlement,
        ),
        timedelta(hours=30),
    )
    return {
        "agent": agent,
        "org": org,
        "requester": requester,
        "entitlement": entitlement,
        "environment": environment,
        "ticket": ticket,
        "other": other,
    }


def login(page, live_server, desk) -> None:
    admin_login(page, live_server, desk["agent"].email, PASSWORD)


def workspace_url(live_server, ticket) -> str:
    return f"{live_server.url}/admin/tickets/ticket/{ticket.pk}/change/"


def test_triage_and_reply_in_three_page_loads(page, live_server, desk, screenshot):
    login(page, live_server, desk)
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))

    page.goto(f"{live_server.url}/admin/tickets/ticket/?queue=open")  # 1: the queue
    page.get_by_role("link", name=desk["ticket"].title).click()  # 2: the workspace
    expect(page.get_by_text("It affects 300 students.")).to_be_visible()
    page.get_by_label("Priority").select_option("urgent")
    page.locator("#id_message").fill("We raised the upload limit; please try again.")
    page.get_by_role("button", name="Send and wait for client").click()  # 3: sent, moved
    expect(page.locator("#bo-status")).to_have_text("Waiting")
    expect(page.get_by_text("We raised the upload limit; please try again.")).to_be_visible()
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # no further navigation follows
    assert len(loads) == 3, loads
    ticket = Ticket.objects.get(pk=desk["ticket"].pk)
    assert (ticket.status, ticket.priority) == ("waiting", "urgent")
    page.locator("#bo-thread").scroll_into_view_if_needed()
    screenshot(page, "admin-workspace")


def test_typed_text_survives_a_transition(page, live_server, desk):
    login(page, live_server, desk)
    page.goto(workspace_url(live_server, desk["ticket"]))
    page.locator("#id_message").fill("Half a reply I am still writing")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name="Start work").click()
    expect(page.locator("#bo-status")).to_have_text("In progress")
    expect(page.locator("#id_message")).to_have_value("Half a reply I am still writing")
    expect(page.get_by_text("Your text was not sent: it is still in the composer.")).to_be_visible()
    assert not Reply.objects.filter(message__startswith="Half a reply").exists()
    assert Ticket.objects.get(pk=desk["ticket"].pk).priority == "urgent"


def test_canned_reply_fills_the_composer_and_moves_the_request(page, live_server, desk):
    CannedReply.objects.create(
        title="Ask for a screenshot",
        body="Hello {requester_name}, could you send a screenshot of {environment_url}? "
        "({request_number})",
        transition="wait",
    )
    login(page, live_server, desk)
    page.goto(workspace_url(live_server, desk["ticket"]))
    page.get_by_label("Canned reply").select_option(label="Ask for a screenshot")
    ticket = desk["ticket"]
    expected = (
        "Hello Carla Client, could you send a screenshot of https://campus.acme.example? "
        f"({ticket.number})"
    )
    expect(page.locator("#id_message")).to_have_value(expected)
    expect(page.get_by_text("Sending it will also: Wait for the client")).to_be_visible()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#bo-status")).to_have_text("Waiting")
    assert Reply.objects.filter(ticket=ticket, message=expected, internal=False).exists()


def test_cancel_asks_for_confirmation(page, live_server, desk):
    login(page, live_server, desk)
    page.goto(workspace_url(live_server, desk["ticket"]))
    questions: list[str] = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Cancel request").click()
    page.wait_for_timeout(300)
    assert questions
    assert "Cancel this request?" in questions[0]
    assert Ticket.objects.get(pk=desk["ticket"].pk).status == "open"

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#id_reason").fill("Opened twice")
    page.get_by_role("button", name="Cancel request").click()
    expect(page.locator("#bo-status")).to_have_text("Cancelled")
    assert Ticket.objects.get(pk=desk["ticket"].pk).status == "cancelled"


def test_staff_created_request_mails_the_client(page, live_server, desk):
    login(page, live_server, desk)
    page.goto(f"{live_server.url}/admin/tickets/ticket/add/")

    def pick(field: str, term: str, choice: str) -> None:
        page.locator(f"#id_{field} + .select2").click()
        page.locator(".select2-search__field").fill(term)
        page.locator(".select2-results__option", has_text=choice).first.click()

    stranger = OrganizationFactory(name="Carlton Academy")
    MembershipFactory(organization=stranger, user__email="carlos@carlton.example")
    pick("entitlement", "Acme", desk["entitlement"].code)
    # Only the entitlement's organization's members are offered.
    page.locator("#id_requester + .select2").click()
    page.locator(".select2-search__field").fill("car")
    expect(page.locator(".select2-results__option", has_text="carla@acme.example")).to_be_visible()
    expect(page.locator(".select2-results__option", has_text="carlos@carlton")).to_have_count(0)
    page.keyboard.press("Escape")
    pick("requester", "carla", "carla@acme.example")
    page.locator("#id_title").fill("Grades export is empty")
    page.locator("#id_description").fill("Reported by phone.")
    mail.outbox.clear()
    page.get_by_role("button", name=re.compile(r"^Save$")).first.click()
    ticket = Ticket.objects.get(title="Grades export is empty")
    assert ticket.requester == desk["requester"]
    page.goto(workspace_url(live_server, ticket))
    page.locator("#id_message").fill("We are exporting the grades again.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Reply sent to Carla Client.")).to_be_visible()
    sent = [m for m in mail.outbox if "We are exporting the grades again." in m.body]
    assert [m.to for m in sent] == [["carla@acme.example"]]


def test_keyboard_shortcuts(page, live_server, desk):
    login(page, live_server, desk)
    page.goto(f"{live_server.url}/admin/tickets/ticket/?queue=open")
    page.get_by_role("link", name=desk["ticket"].title).click()
    expect(page.locator("#bo-workspace")).to_be_visible()
    page.wait_for_load_state()
    page.locator("h2.bo-title-full").click()  # the page, not a text box, has the focus
    page.keyboard.press("?")
    expect(page.locator("#bo-help")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#bo-help")).to_be_hidden()
    page.keyboard.press("n")
    expect(page.locator("#id_message")).to_be_focused()
    page.keyboard.type("Checked the proxy config")
    page.keyboard.press("Control+Enter")  # in note mode: adds the note
    expect(page.get_by_text("Internal note added.")).to_be_visible()
    assert Reply.objects.get(message="Checked the proxy config").internal is True
    page.locator("h2.bo-title-full").click()
    page.keyboard.press("a")
    expect(page.get_by_text("Assigned to Ana Agent.")).to_be_visible()
    page.locator("h2.bo-title-full").click()
    # The queue page put the breached request first: k goes back to it, j forward again.
    page.keyboard.press("k")
    expect(page).to_have_url(workspace_url(live_server, desk["other"]))
    page.wait_for_load_state("load")
    page.locator("h2.bo-title-full").click()
    page.keyboard.press("j")
    expect(page).to_have_url(workspace_url(live_server, desk["ticket"]))
