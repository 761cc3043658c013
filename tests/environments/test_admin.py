"""The environment admin: pages load, search and filters work, buttons run the actions."""

import pytest
from django.test import Client
from django.urls import reverse

from environments.actions import environment_suspend
from environments.models import Environment, EnvironmentStatusChange
from tests.factories import EntitlementFactory, EnvironmentFactory, StaffFactory
from tests.helpers import NO_HISTORY_ROWS, assert_changelist_search_and_filters

CHANGELIST = reverse("admin:environments_environment_changelist")
ADD = reverse("admin:environments_environment_add")
FORM_DEFAULTS = {
    "platform": "moodle",
    "environment_type": "production",
    "backup_retention_days": 30,
    "health": "unknown",
    "metadata": "{}",
}


def change_url(environment: Environment) -> str:
    return reverse("admin:environments_environment_change", args=[environment.pk])


def transition_url(environment: Environment) -> str:
    return reverse("admin:environments_environment_transition", args=[environment.pk])


def add_form(entitlement, **fields) -> dict:
    """The add page's form for an environment on `entitlement`, with the defaults of the page."""
    return {"entitlement": entitlement.pk, **FORM_DEFAULTS, **fields}


def test_changelist_search_and_filters(staff_admin, environment, other_environment):
    filters = (
        {"status__exact": "active"},
        {"platform__exact": "moodle"},
        {"environment_type__exact": "production"},
        {"organization__id__exact": environment.organization_id},
    )
    response = assert_changelist_search_and_filters(
        staff_admin, CHANGELIST, environment, other_environment, filters
    )
    assert other_environment.name in response.text
    filtered = staff_admin.get(CHANGELIST, {"organization__id__exact": environment.organization_id})
    assert other_environment.name not in filtered.text


def test_change_page_shows_buttons_history_and_entitlement_link(staff_admin, environment, staff):
    environment_suspend(environment=environment, actor=staff, reason="unpaid invoice")
    response = staff_admin.get(change_url(environment))
    assert response.status_code == 200
    html = response.text
    assert 'value="reactivate"' in html
    assert 'value="decommission"' in html
    assert 'value="activate"' not in html
    assert "unpaid invoice" in html  # the history inline
    assert environment.entitlement.code in html


def test_button_runs_the_action_with_history(staff_admin, superuser, environment):
    response = staff_admin.post(
        transition_url(environment), {"transition": "start_maintenance", "reason": "upgrade"}
    )
    assert response.status_code == 302
    assert Environment.objects.get(pk=environment.pk).status == "maintenance"
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.to_status, row.reason, row.changed_by_id) == (
        "maintenance",
        "upgrade",
        superuser.pk,
    )


def test_refused_button_changes_nothing(staff_admin, environment):
    response = staff_admin.post(
        transition_url(environment), {"transition": "activate"}, follow=True
    )
    assert response.status_code == 200
    assert "Cannot activate" in response.text
    assert Environment.objects.get(pk=environment.pk).status == "active"
    assert not EnvironmentStatusChange.objects.exists()


def test_transition_view_is_post_only_and_staff_only(staff_admin, environment, member):
    response = staff_admin.get(transition_url(environment))  # a GET is never an empty 405
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "admin:environments_environment_change", args=[environment.pk]
    )
    assert Environment.objects.get(pk=environment.pk).status == "active"
    client = Client()
    client.force_login(member)
    response = client.post(transition_url(environment), {"transition": "suspend"})
    assert response.status_code == 302  # to the admin login
    assert Environment.objects.get(pk=environment.pk).status == "active"


def test_bulk_action(staff_admin, org):
    first = EnvironmentFactory(entitlement__organization=org)
    second = EnvironmentFactory(entitlement__organization=org, status="provisioning")
    response = staff_admin.post(
        CHANGELIST,
        {"action": "transition_suspend", "_selected_action": [first.pk, second.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert Environment.objects.get(pk=first.pk).status == "suspended"
    assert Environment.objects.get(pk=second.pk).status == "provisioning"
    assert "Cannot suspend" in response.text


def test_add_goes_through_the_action(staff_admin, superuser, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    assert staff_admin.get(ADD).status_code == 200
    response = staff_admin.post(
        ADD, add_form(entitlement, name="Acme Moodle Production", url="https://lms.example.com")
    )
    assert response.status_code == 302, response.content
    environment = Environment.objects.get(entitlement=entitlement)
    assert (environment.status, environment.organization_id) == ("provisioning", org.pk)
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.from_status, row.to_status, row.changed_by_id) == (
        None,
        "provisioning",
        superuser.pk,
    )


@pytest.mark.parametrize("entitlement_class", ["SVC", "ENV-taken"])
def test_add_refuses_wrong_entitlements(entitlement_class, staff_admin, org):
    if entitlement_class == "ENV-taken":
        entitlement = EnvironmentFactory(entitlement__organization=org).entitlement
    else:
        entitlement = EntitlementFactory(organization=org, entitlement_class=entitlement_class)
    response = staff_admin.post(ADD, add_form(entitlement, name="x"))
    assert response.status_code == 200  # the form again, with an error
    assert "errornote" in response.text
    assert Environment.objects.filter(entitlement=entitlement).count() == (
        1 if entitlement_class == "ENV-taken" else 0
    )


def test_change_goes_through_update_and_status_is_not_editable(staff_admin, environment):
    page = staff_admin.get(change_url(environment))
    assert 'name="status"' not in page.text
    response = staff_admin.post(
        change_url(environment),
        {
            **FORM_DEFAULTS,
            "name": "Renamed",
            "url": environment.url,
            "backup_retention_days": 7,
            "health": "healthy",
            "status": "decommissioned",
            **NO_HISTORY_ROWS,
        },
    )
    assert response.status_code == 302, response.content
    fresh = Environment.objects.get(pk=environment.pk)
    assert (fresh.name, fresh.backup_retention_days, fresh.status) == ("Renamed", 7, "active")


def test_decommissioned_page_is_read_only(staff_admin, environment):
    Environment.objects.filter(pk=environment.pk).update(status="decommissioned")
    response = staff_admin.get(change_url(environment))
    assert response.status_code == 200
    assert 'name="name"' not in response.text
    assert "No transition is possible" in response.text


def test_plain_staff_run_the_back_office_clients_do_not(environment, member):
    client = Client()
    client.force_login(StaffFactory())  # staff, not superuser: the back office is theirs
    assert client.get(CHANGELIST).status_code == 200
    client.force_login(member)
    assert client.get(CHANGELIST).status_code == 302  # to the admin login
