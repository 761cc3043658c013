"""The back office's shell in Chromium (issue 13, items 2, 3, 7, 13): where `/` leads, friendly
error pages, the sidebar, a terminal transition confirmed (without losing typed edits), the
entitlement page's labels, expiry warning and linked requests; the theme's scripts run under the
Content-Security-Policy without an error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from environments.models import Environment
from tests.browser.conftest import admin_login
from tests.factories import (
    PASSWORD,
    EntitlementFactory,
    EnvironmentFactory,
    OrganizationFactory,
    StaffFactory,
    TicketFactory,
)


@pytest.fixture
def agent(settings):
    settings.STAFF_MFA_REQUIRED = False
    return StaffFactory(email="ana@middag.example", name="Ana Agent")


@pytest.fixture
def signed_in(page, live_server, agent):
    """A page signed in as a plain staff member; collects script and CSP errors."""
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    admin_login(page, live_server, agent.email, PASSWORD)
    return page


def test_root_leads_staff_to_the_back_office_and_others_to_the_portal(page, live_server, agent):
    page.goto(f"{live_server.url}/")
    assert "/portal/" in page.url  # anonymous: the portal's sign-in
    admin_login(page, live_server, agent.email, PASSWORD)
    expect(page.locator("#kpis")).to_be_visible()  # signed in: the dashboard, not a profile 404
    page.goto(f"{live_server.url}/")
    assert page.url == f"{live_server.url}/admin/"


def test_an_unknown_page_is_friendly_and_leads_home(signed_in, live_server, screenshot):
    response = signed_in.goto(f"{live_server.url}/admin-old/reports/")
    assert response.status == 404
    expect(signed_in.locator("h1")).to_have_text("Page not found")
    assert "URLconf" not in signed_in.content()
    screenshot(signed_in, "error-404")
    signed_in.get_by_role("link", name="Go to your home page").click()
    signed_in.wait_for_load_state()
    assert signed_in.url == f"{live_server.url}/admin/"


def test_the_sidebar_offers_the_queues_and_hides_internal_tables(signed_in, live_server):
    nav = signed_in.locator("#nav-sidebar-apps")
    for label in ("Mine", "Unassigned", "Breaching soon", "Waiting on client", "All open"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()  # "person Mine": icon text
    nav.get_by_role("link", name="Breaching soon").click()
    signed_in.wait_for_load_state()
    assert "queue=breaching" in signed_in.url
    expect(nav.get_by_role("link", name="Breaching soon")).to_have_class(re.compile(r"\bactive\b"))
    links = signed_in.eval_on_selector_all("a[href]", "els => els.map(a => a.pathname)")
    for internal in ("/admin/auth/", "/admin/sequences/", "/admin/token_blacklist/"):
        assert not any(link.startswith(internal) for link in links), links
    assert not any("idempotency" in link for link in links)
    expect(signed_in.get_by_text("All applications")).to_have_count(0)  # superusers only
    assert not signed_in.errors, signed_in.errors


def test_decommission_asks_first_and_keeps_what_was_typed(signed_in, live_server, screenshot):
    environment = EnvironmentFactory(
        entitlement__organization=OrganizationFactory(name="Acme Learning"), name="Moodle Acme"
    )
    change = f"{live_server.url}/admin/environments/environment/{environment.pk}/change/"
    signed_in.goto(change)
    expect(signed_in.locator("#transitions")).to_contain_text("Active")
    signed_in.fill("#id_region", "sa-east-1")  # typed, then a transition pressed
    screenshot(signed_in, "admin-environment")
    signed_in.get_by_role("button", name="Decommission…").click()
    signed_in.wait_for_load_state()
    expect(signed_in.locator("#terminal-warning")).to_contain_text("cannot be undone")
    assert Environment.objects.get(pk=environment.pk).region == "sa-east-1"  # saved first
    assert Environment.objects.get(pk=environment.pk).status == "active"  # nothing ended yet
    screenshot(signed_in, "admin-decommission-confirm")

    signed_in.get_by_role("link", name="No, take me back").click()
    signed_in.wait_for_load_state()
    assert Environment.objects.get(pk=environment.pk).status == "active"

    signed_in.get_by_role("button", name="Decommission…").click()
    signed_in.fill("#id_reason", "Contract ended")
    signed_in.get_by_role("button", name="Yes, Decommission").click()
    signed_in.wait_for_load_state()
    environment.refresh_from_db()
    assert environment.status == "decommissioned"
    assert environment.history.last().reason == "Contract ended"
    expect(signed_in.locator("#transitions")).to_contain_text("Decommissioned")
    expect(signed_in.get_by_role("button", name="Decommission…")).to_have_count(0)
    assert not signed_in.errors, signed_in.errors


def test_a_transition_address_opened_directly_is_never_an_empty_page(signed_in, live_server):
    environment = EnvironmentFactory()
    base = f"{live_server.url}/admin/environments/environment/{environment.pk}"
    signed_in.goto(f"{base}/transition/")
    assert signed_in.url == f"{base}/change/"
    response = signed_in.goto(f"{base}/transition/suspend/")
    assert response.status == 200
    expect(signed_in.get_by_text("the client reads it in the history")).to_be_visible()


def test_the_entitlement_page_shows_status_expiry_and_its_requests(
    signed_in, live_server, screenshot
):
    org = OrganizationFactory(name="Universidade Federal de Exemplo")
    entitlement = EntitlementFactory(
        organization=org,
        product_name="Moodle hosting",
        expires_at=timezone.now() + timedelta(days=12),
    )
    request = TicketFactory(entitlement=entitlement, title="Backups failing since Monday")
    signed_in.goto(f"{live_server.url}/admin/entitlements/entitlement/")
    row = signed_in.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Active")
    expect(row.locator(".expiry-warning")).to_contain_text("in 1")
    screenshot(signed_in, "admin-entitlements-list")
    signed_in.goto(f"{live_server.url}/admin/entitlements/entitlement/{entitlement.pk}/change/")
    expect(signed_in.locator(".linked-requests")).to_contain_text(request.number)
    expect(signed_in.locator(".expiry-warning").first).to_be_visible()
    screenshot(signed_in, "admin-entitlement", full_page=True)
    assert not signed_in.errors, signed_in.errors


def test_the_sign_in_page_is_the_themes_and_runs_without_errors(page, live_server, screenshot):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
    expect(page.locator("#login-form")).to_be_visible()
    for box in ("#id_username", "#id_password"):  # the theme's inputs, not borderless boxes
        assert "border" in (page.locator(box).get_attribute("class") or "")
        assert page.locator(box).bounding_box()["height"] >= 30
    screenshot(page, "admin-login")
    assert not errors, errors
