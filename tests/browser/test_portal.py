"""The client portal in Debian's Chromium: sign in, follow a request with a file, see the desk's
answer appear without the internal note, reopen, rate, switch organization, invite a
collaborator, the home page at phone width; axe-core finds no serious or critical violation.
Screenshots go to docs/screenshots/portal-*.png."""

from __future__ import annotations

import importlib
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Membership
from tests.factories import (
    PASSWORD,
    EntitlementFactory,
    EnvironmentFactory,
    MembershipFactory,
    OrganizationFactory,
    OwnerMembershipFactory,
    ServiceFactory,
    UserFactory,
)
from tests.tickets.attachment_samples import png_bytes, upload
from tickets import actions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _seed(transactional_db):
    """SLA targets and categories (the live server's tests start from flushed tables)."""
    seed = importlib.import_module(
        "tickets.migrations.0001_squashed_0005_ticket_org_status_priority_index"
    )
    seed.seed(apps, None)


def assert_accessible(page) -> None:
    """axe-core on the page as it is now: no serious or critical violation."""
    results = Axe().run(page)
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad


def sign_in(page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/portal/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Home")).to_be_visible()


@pytest.fixture
def world():
    """Acme with an owner, a member, two environments, a service, requests and an expiring
    entitlement; a second organization the member also belongs to."""
    org = OrganizationFactory(name="Acme Learning")
    owner = OwnerMembershipFactory(organization=org, user__name="Olivia Owner").user
    member = MembershipFactory(
        organization=org, user__name="Marta Member", user__email="marta@acme.example"
    ).user
    staff = UserFactory(is_staff=True, name="Sam Support", email="sam@middag.example")
    entitlement = EntitlementFactory(
        organization=org, entitlement_class="ENV", sla_tier="business", product_name="Moodle Pro"
    )
    campus = EnvironmentFactory(
        entitlement=entitlement,
        organization=org,
        name="Campus Moodle",
        url="https://campus.acme.example",
    )
    EnvironmentFactory(
        entitlement=EntitlementFactory(organization=org, product_name="WordPress site"),
        organization=org,
        name="Institutional site",
        platform="wordpress",
        environment_type="staging",
        url="https://staging.acme.example",
        status="maintenance",
    )
    EntitlementFactory(
        organization=org,
        entitlement_class="PLG",
        product_name="Quiz analytics plugin",
        expires_at=timezone.now() + timezone.timedelta(days=12),
    )
    ServiceFactory(
        entitlement=EntitlementFactory(organization=org, entitlement_class="SVC"),
        organization=org,
        name="Theme redesign",
    )
    ticket = actions.ticket_create(
        actor=member,
        environment=campus,
        title="Quiz page is slow",
        description="Since Monday the quiz page takes ten seconds to open.",
        priority="high",
        files=[upload("quiz-timing.png", png_bytes(), "image/png")],
    )
    actions.ticket_create(
        actor=member,
        environment=campus,
        title="Add the new course category",
        description="We need a category for the 2027 courses.",
    )
    other = OrganizationFactory(name="Beta University")
    MembershipFactory(organization=other, user=member)
    OwnerMembershipFactory(organization=other)
    beta_env = EnvironmentFactory(
        entitlement=EntitlementFactory(organization=other), organization=other, name="Beta LMS"
    )
    actions.ticket_create(
        actor=member, environment=beta_env, title="Beta login page", description="Logo."
    )
    return {
        "org": org,
        "owner": owner,
        "member": member,
        "staff": staff,
        "ticket": ticket,
        "other": other,
    }


def test_follow_a_request_with_a_file_see_the_answer_reopen_and_rate(
    page, live_server, world, screenshot, settings
):
    settings.PORTAL_POLL_SECONDS = 1
    ticket = world["ticket"]
    sign_in(page, live_server, world["member"].email)
    page.get_by_role("link", name="Requests").click()
    page.get_by_role("link", name=ticket.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quiz page is slow")
    expect(page.get_by_role("link", name="quiz-timing.png")).to_be_visible()
    expect(page.get_by_text("We will answer by")).to_be_visible()

    # The desk answers while the page is open: the answer appears, the internal note never.
    actions.ticket_reply(
        ticket=ticket, author=world["staff"], message="We found a slow query and fixed it."
    )
    actions.ticket_reply(
        ticket=ticket, author=world["staff"], message="Staff note: their DB is tiny", internal=True
    )
    expect(page.get_by_text("We found a slow query and fixed it.")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(1500)  # another poll: still no internal note
    assert "Staff note" not in page.content()
    assert page.locator(".msg").count() == 2  # the description and the public answer

    page.get_by_label("Your reply").fill("Thank you, it is fast now. The new timing attached.")
    page.get_by_label("Attach files (optional)").set_input_files(
        files=[{"name": "after-fix.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent.")).to_be_visible()
    expect(page.get_by_text("Reply sent.")).to_be_focused()  # announced, keyboard goes on there
    expect(page.get_by_role("link", name="after-fix.png")).to_be_visible()  # sent by htmx
    page.get_by_role("button", name="Mark solved").click()
    expect(page.get_by_text("Marked as solved.")).to_be_visible()
    page.get_by_label("Why do you reopen it?").fill("Slow again this morning")
    page.get_by_role("button", name="Reopen").click()
    expect(page.get_by_text("Request reopened.")).to_be_visible()
    expect(page.get_by_text("Reason: Slow again this morning")).to_be_visible()
    page.get_by_role("button", name="Mark solved").click()
    page.get_by_text("5", exact=True).click()
    page.get_by_label("Comment").fill("Quick and clear.")
    page.get_by_role("button", name="Send rating").click()
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating, ticket.rating_comment) == (
        "resolved",
        5,
        "Quick and clear.",
    )
    assert_accessible(page)
    page.goto(f"{live_server.url}/portal/requests/{ticket.pk}/")
    screenshot(page, "portal-request", full_page=True)


def test_open_a_request_with_a_screenshot(page, live_server, world, screenshot, tmp_path):
    shot = tmp_path / "error-screen.png"
    shot.write_bytes(png_bytes())
    sign_in(page, live_server, world["member"].email)
    page.get_by_role("link", name="Requests").click()
    page.get_by_label("Search").fill("category")
    expect(page.locator("#results")).not_to_contain_text("Quiz page is slow")
    expect(page.locator("#results")).to_contain_text("Add the new course category")
    assert "q=category" in page.url  # the filtered list has its own address
    page.get_by_label("Search").fill("")
    page.get_by_label("Priority").select_option("high")
    expect(page.locator("#results")).not_to_contain_text("Add the new course category")
    assert_accessible(page)
    page.get_by_label("Priority").select_option("")
    expect(page.locator("#results")).to_contain_text("Add the new course category")
    screenshot(page, "portal-requests")
    page.get_by_role("link", name="New request").first.click()
    page.get_by_label("Environment").select_option(label="Campus Moodle")
    page.get_by_label("Title").fill("Certificate does not download")
    page.get_by_label("Description").fill("Students get an error page. Screenshot attached.")
    page.get_by_label("Attach files (optional)").set_input_files(str(shot))
    assert_accessible(page)
    screenshot(page, "portal-new-request", full_page=True)
    page.get_by_role("button", name="Open the request").click()
    expect(page.get_by_text(re.compile(r"Request SR-\d+ opened\."))).to_be_visible()
    expect(page.get_by_role("link", name="error-screen.png")).to_be_visible()


def test_switch_organization(page, live_server, world):
    sign_in(page, live_server, world["member"].email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme Learning")
    page.get_by_label("Organization").select_option(label="Beta University")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Beta University")
    page.get_by_role("link", name="Requests").click()
    expect(page.locator("#results")).to_contain_text("Beta login page")
    expect(page.locator("#results")).not_to_contain_text("Quiz page is slow")


def test_invite_a_collaborator(page, live_server, world, screenshot):
    sign_in(page, live_server, world["owner"].email)
    page.get_by_role("link", name="Organization").click()
    invite = page.get_by_role("region", name="Invite a collaborator")
    invite.get_by_label("E-mail").fill("new.colleague@acme.example")
    invite.get_by_label("Role").select_option("guest")
    invite.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to new.colleague@acme.example.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"new\.colleague@acme\.example · Guest"))).to_be_visible()
    invitation = world["org"].invitations.get()
    assert (invitation.email, invitation.role) == ("new.colleague@acme.example", "guest")
    assert not Membership.objects.filter(user__email="new.colleague@acme.example").exists()
    assert_accessible(page)
    screenshot(page, "portal-organization", full_page=True)


def test_home_page_at_phone_width(phone_page, live_server, world, screenshot):
    page = phone_page
    sign_in(page, live_server, world["member"].email)
    expect(page.get_by_role("heading", name="Open requests")).to_be_visible()
    expect(page.get_by_text("Quiz analytics plugin")).to_be_visible()
    expect(page.get_by_text("https://campus.acme.example")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width} px)"
    assert_accessible(page)
    screenshot(page, "portal-home-phone", full_page=True)


def test_home_page_on_a_desktop_in_portuguese(browser, live_server, world, screenshot):
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="pt-BR")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/portal/login/")
        page.get_by_label("E-mail").fill(world["member"].email)
        page.get_by_label("Senha").fill(PASSWORD)
        page.get_by_role("button", name="Entrar").click()
        expect(page.get_by_role("heading", name="Solicitações em aberto")).to_be_visible()
        assert_accessible(page)
        screenshot(page, "portal-home-pt-br", full_page=True)
    finally:
        context.close()
