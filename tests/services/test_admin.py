"""The service admin: pages load, search and filters work, buttons run the actions."""

from django.urls import reverse

from services.models import Service, ServiceStatusChange
from tests.factories import EntitlementFactory, ServiceFactory
from tests.helpers import NO_HISTORY_ROWS, assert_changelist_search_and_filters

CHANGELIST = reverse("admin:services_service_changelist")
ADD = reverse("admin:services_service_add")
FORM_DEFAULTS = {"priority": "normal", "metadata": "{}"}


def change_url(service: Service) -> str:
    return reverse("admin:services_service_change", args=[service.pk])


def add_form(entitlement, **fields) -> dict:
    """The add page's form for a service on `entitlement`, with the defaults of the page."""
    return {"entitlement": entitlement.pk, "lifecycle": "project", **FORM_DEFAULTS, **fields}


def change_form(service: Service, **fields) -> dict:
    """The change page's form of `service` as shown (no history rows), with `fields` changed."""
    fields = {"name": service.name, "lifecycle": service.lifecycle, **fields}
    return {**FORM_DEFAULTS, **NO_HISTORY_ROWS, **fields}


def test_changelist_search_and_filters(staff_admin, service, other_service):
    filters = (
        {"status__exact": "in_progress"},
        {"lifecycle__exact": "ongoing"},
        {"organization__id__exact": service.organization_id},
    )
    assert_changelist_search_and_filters(staff_admin, CHANGELIST, service, other_service, filters)


def test_change_page_buttons_follow_the_lifecycle(staff_admin, org):
    ongoing = ServiceFactory(entitlement__organization=org, lifecycle="ongoing")
    html = staff_admin.get(change_url(ongoing)).text
    assert 'value="hold"' in html
    assert 'value="close"' in html
    assert 'value="deliver"' not in html
    project = ServiceFactory(entitlement__organization=org, lifecycle="project")
    html = staff_admin.get(change_url(project)).text
    assert 'value="deliver"' in html
    assert 'value="close"' not in html


def test_button_runs_the_action(staff_admin, superuser, service):
    url = reverse("admin:services_service_transition", args=[service.pk])
    response = staff_admin.post(url, {"transition": "deliver", "reason": "done"})
    assert response.status_code == 302
    assert Service.objects.get(pk=service.pk).status == "delivered"
    row = ServiceStatusChange.objects.get(subject=service)
    assert (row.to_status, row.reason, row.changed_by_id) == ("delivered", "done", superuser.pk)
    page = staff_admin.get(change_url(service))
    assert "done" in page.text  # the history inline


def test_add_goes_through_the_action(staff_admin, superuser, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="SVC")
    assert staff_admin.get(ADD).status_code == 200
    response = staff_admin.post(
        ADD, add_form(entitlement, name="Theme Redesign", assigned_staff=superuser.pk)
    )
    assert response.status_code == 302, response.content
    service = Service.objects.get(entitlement=entitlement)
    assert (service.status, service.organization_id) == ("proposal", org.pk)
    assert ServiceStatusChange.objects.get(subject=service).from_status is None


def test_add_refuses_an_env_entitlement(staff_admin, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class="ENV")
    response = staff_admin.post(ADD, add_form(entitlement, name="x"))
    assert response.status_code == 200
    assert "errornote" in response.text
    assert not Service.objects.exists()


def test_change_refuses_a_lifecycle_switch_in_progress(staff_admin, service):
    response = staff_admin.post(change_url(service), change_form(service, lifecycle="ongoing"))
    assert response.status_code == 200
    assert "lifecycle can change only" in response.text
    assert Service.objects.get(pk=service.pk).lifecycle == "project"


def test_change_saves_through_update(staff_admin, service):
    response = staff_admin.post(
        change_url(service), change_form(service, name="Renamed", priority="high")
    )
    assert response.status_code == 302, response.content
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.name, fresh.priority, fresh.status) == ("Renamed", "high", "in_progress")


def test_closed_page_is_read_only(staff_admin, org):
    closed = ServiceFactory(entitlement__organization=org, status="closed")
    response = staff_admin.get(change_url(closed))
    assert response.status_code == 200
    assert 'name="name"' not in response.text
