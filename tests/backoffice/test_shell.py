"""The back office's shell (issue 13, items 2, 10, 12-14): `/` leads somewhere, friendly error
pages for people and JSON for API clients, human navigation, internal tables for superusers only,
transition URLs that never answer an empty 405, related-object icons off."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import EnvironmentFactory, StaffFactory, UserFactory
from tests.test_admin_one_house import page_payload

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_root_sends_staff_to_the_admin_and_others_to_the_portal(db):
    assert signed_in(StaffFactory()).get("/")["Location"] == "/admin/"
    assert signed_in(UserFactory()).get("/")["Location"] == reverse("portal:home")
    assert Client().get("/")["Location"] == reverse("portal:home")


@pytest.mark.parametrize("path", ["/no/such/page", "/admin-typo/", "/portal-x"])
def test_an_unknown_page_is_a_friendly_404_for_browsers(path):
    response = Client().get(path, **HTML)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    assert "Page not found" in text
    assert 'href="/"' in text
    assert "URLconf" not in text
    assert "Traceback" not in text


def test_api_routes_and_api_clients_keep_the_json_404():
    for path, headers in [("/wp-json/middag-account/v1/nope", HTML), ("/no/such/page", {})]:
        response = Client().get(path, **headers)
        assert response.status_code == 404
        assert response.json()["errors"]["code"] == "NOT_FOUND"


def test_a_server_error_is_a_friendly_500_without_a_traceback(rf):
    from config.error_pages import server_error

    page = server_error(rf.get("/admin/", **HTML))
    assert page.status_code == 500
    assert "Something went wrong" in page.content.decode()
    assert server_error(rf.get("/wp-json/x"))["Content-Type"].startswith("application/json")


def test_a_refusal_is_a_friendly_403(rf):
    from config.error_pages import permission_denied

    page = permission_denied(rf.get("/admin/x/", **HTML))
    assert page.status_code == 403
    assert "Not allowed" in page.content.decode()


def test_an_empty_405_becomes_a_page_with_its_allow_header(staff_admin):
    response = staff_admin.get(reverse("admin:logout"), **HTML)  # Django's logout is POST-only
    assert response.status_code == 405
    assert "Not available this way" in response.content.decode()
    assert "POST" in response["Allow"]


def test_a_get_on_a_transition_url_goes_back_to_the_page(staff_admin, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    change = reverse("admin:environments_environment_change", args=[environment.pk])
    url = reverse("admin:environments_environment_transition", args=[environment.pk])
    assert staff_admin.get(url, **HTML)["Location"] == change
    page = staff_admin.get(f"{url}decommission/", **HTML)  # the confirmation page
    assert page.status_code == 200
    assert 'id="terminal-warning"' in page.content.decode()
    environment.refresh_from_db()
    assert environment.status == "active"


def test_decommission_is_confirmed_before_it_runs(staff_admin, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    change = reverse("admin:environments_environment_change", args=[environment.pk])
    page = staff_admin.get(change)
    assert 'name="transition" value="decommission"' in page.content.decode()
    data = page_payload(page)  # the page as it is, plus the button and the reason box
    data.update(transition="decommission", reason="Contract ended")
    response = staff_admin.post(change, data)
    page_url = reverse(
        "admin:environments_environment_transition", args=[environment.pk, "decommission"]
    )
    assert response.status_code == 302
    assert response["Location"].startswith(page_url)
    assert "Contract+ended" in response["Location"]  # the typed reason goes along
    environment.refresh_from_db()
    assert environment.status == "active"  # nothing ended yet
    done = staff_admin.post(page_url, {"reason": "Contract ended", "confirmed": "1"})
    assert done.status_code == 302
    environment.refresh_from_db()
    assert environment.status == "decommissioned"
    assert environment.history.last().reason == "Contract ended"


def test_a_terminal_bulk_action_asks_first(staff_admin, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    changelist = reverse("admin:environments_environment_changelist")
    data = {"action": "transition_decommission", "_selected_action": [environment.pk]}
    page = staff_admin.post(changelist, data)
    assert page.status_code == 200
    assert 'id="terminal-warning"' in page.content.decode()
    environment.refresh_from_db()
    assert environment.status == "active"
    staff_admin.post(changelist, {**data, "confirmed": "1"})
    environment.refresh_from_db()
    assert environment.status == "decommissioned"


def test_reason_boxes_say_the_client_reads_them(staff_admin, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    page = staff_admin.get(
        reverse("admin:environments_environment_transition", args=[environment.pk, "suspend"])
    )
    text = page.content.decode()
    assert "the client reads it in the history" in text
    assert "Internal notes — staff only" in text


def test_the_sidebar_speaks_human_and_hides_internal_tables(db):
    plain = signed_in(StaffFactory()).get("/admin/").content.decode()
    for label in ("Service requests", "Breaching soon", "Waiting on client", "SLA breaches"):
        assert label in plain
    # The e-mail door and the job system are reachable without the superuser's app list.
    for link in ("/admin/mail/mailbox/", "/admin/mail/inboundmessage/", "/admin/ops/failedtask/"):
        assert link in plain
    for link in ("?queue=mine", "?queue=unassigned", "?queue=breaching", "?queue=waiting"):
        assert f"/admin/tickets/ticket/{link}" in plain
    for internal in ("/admin/sequences/", "/admin/token_blacklist/", "/admin/auth/group/"):
        assert internal not in plain
    superuser = signed_in(StaffFactory(is_superuser=True))
    assert superuser.get("/admin/auth/group/").status_code == 200


def test_related_selects_carry_no_add_change_delete_icons(staff_admin, org):
    environment = EnvironmentFactory(entitlement__organization=org)
    service_add = staff_admin.get(reverse("admin:services_service_add")).content.decode()
    change = staff_admin.get(
        reverse("admin:environments_environment_change", args=[environment.pk])
    ).content.decode()
    for text in (service_add, change):
        assert "related-widget-wrapper-link" not in text
        assert "delete_id_" not in text
        assert "add_id_" not in text
