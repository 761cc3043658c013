"""GET|POST|PATCH /services and the transition actions, against seed 000 and SPEC §1/§3."""

import pytest

from services.actions import service_hold
from services.models import Service, ServiceStatusChange
from tests.conftest import API, assert_envelope, client_for
from tests.factories import EntitlementFactory, ServiceFactory, UserFactory
from tests.helpers import created_data, keys, table, the_only_item

URL = f"{API}/services"
LIST_KEYS = keys(
    "id name status lifecycle entitlement_id entitlement_code organization_id created_at"
)
DETAIL_KEYS = LIST_KEYS | {"description", "metadata", "updated_at"}
EXTRA_KEYS = {"category", "priority", "start_date", "assigned_staff_id", "assigned_staff_name"}
TRANSITIONS = ["approve", "start", "hold", "resume", "deliver", "rework", "close", "cancel"]


def test_list_has_the_seed_fields(member_api, org):
    service = ServiceFactory(entitlement__organization=org, name="Moodle Customization Project")
    item = the_only_item(member_api.get(URL))
    assert item == {
        "id": service.pk,
        "name": "Moodle Customization Project",
        "status": "in_progress",
        "lifecycle": "project",
        "entitlement_id": service.entitlement_id,
        "entitlement_code": service.entitlement.code,
        "organization_id": org.pk,
        "created_at": item["created_at"],
    }
    assert item["created_at"].endswith("Z")
    assert item["entitlement_code"].startswith("SVC-")


def test_detail_has_the_seed_fields(member_api, org, staff):
    service = ServiceFactory(
        entitlement__organization=org,
        description="Theme work",
        metadata={"hours": 120},
        assigned_staff=staff,
        category="Customization",
    )
    response = member_api.get(f"{URL}/{service.pk}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == DETAIL_KEYS | EXTRA_KEYS
    assert (data["description"], data["metadata"]) == ("Theme work", {"hours": 120})
    assert (data["assigned_staff_id"], data["category"]) == (staff.pk, "Customization")
    assert data["assigned_staff_name"] == staff.name


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "in_progress"}, {"a"}),
        ({"status": "on_hold"}, {"b"}),
        ({"status": "in_progress,on_hold"}, {"a", "b"}),
        ({"lifecycle": "ongoing"}, {"b"}),
        ({"lifecycle": "project"}, {"a", "c"}),
        ({"lifecycle": "project", "status": "closed"}, {"c"}),
    ],
)
def test_filters(params, expected, member_api, org):
    ServiceFactory(entitlement__organization=org, name="a")
    ServiceFactory(entitlement__organization=org, name="b", lifecycle="ongoing", status="on_hold")
    ServiceFactory(entitlement__organization=org, name="c", status="closed")
    response = member_api.get(URL, params)
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["data"]} == expected


@pytest.mark.parametrize(
    ("param", "value"), [("status", "open"), ("status", "closed,x"), ("lifecycle", "retainer")]
)
def test_invalid_filter_value_is_422(param, value, member_api, service):
    response = member_api.get(URL, {param: value})
    assert response.status_code == 422
    body = response.json()
    assert_envelope(body, success=False)
    assert param in body["errors"]["fields"]


def test_history(member_api, service, staff):
    service_hold(service=service, actor=staff, reason="waiting on content")
    response = member_api.get(f"{URL}/{service.pk}/history")
    assert response.status_code == 200
    [row] = response.json()["data"]
    assert row == {
        "from_status": "in_progress",
        "to_status": "on_hold",
        "changed_at": row["changed_at"],
        "changed_by": staff.pk,
        "reason": "waiting on content",
    }


# --- tenancy and permissions ------------------------------------------------------------------


def test_staff_with_a_header_gets_404_for_another_organization(staff, org, other_service):
    api = client_for(staff, org)
    assert api.get(f"{URL}/{other_service.pk}").status_code == 404
    assert api.get(f"{URL}/{other_service.pk}/history").status_code == 404
    assert api.patch(f"{URL}/{other_service.pk}", {"name": "x"}, format="json").status_code == 404
    for name in TRANSITIONS:
        assert api.post(f"{URL}/{other_service.pk}/{name}").status_code == 404
    assert Service.objects.get(pk=other_service.pk).status == "in_progress"


def test_staff_with_a_header_cannot_create_in_another_organization(staff, org, other_org):
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="SVC")
    response = client_for(staff, org).post(
        URL, {"entitlement_id": entitlement.pk, "name": "x"}, format="json"
    )
    assert response.status_code == 422
    assert not Service.objects.exists()


def test_scopeless_member_is_403(scopeless_member, org, service):
    api = client_for(scopeless_member, org)
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{service.pk}").status_code == 403


def test_non_member_is_403(other_owner, org, service):
    assert client_for(other_owner, org).get(URL).status_code == 403


def test_anonymous_is_401(anon, service):
    assert anon.get(URL).status_code == 401


@pytest.mark.parametrize("who", ["owner_api", "member_api", "guest_api"])
def test_clients_cannot_write(who, request, service, svc_entitlement):
    api = request.getfixturevalue(who)
    response = api.post(URL, {"entitlement_id": svc_entitlement.pk, "name": "x"}, format="json")
    assert response.status_code == 403
    assert api.patch(f"{URL}/{service.pk}", {"name": "x"}, format="json").status_code == 403
    for name in TRANSITIONS:
        assert api.post(f"{URL}/{service.pk}/{name}").status_code == 403, name
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.status, fresh.name) == ("in_progress", service.name)
    assert Service.objects.count() == 1
    assert not ServiceStatusChange.objects.exists()


# --- staff writes -------------------------------------------------------------------------------


def test_staff_creates(staff_api, org, svc_entitlement, staff):
    response = staff_api.post(
        URL,
        {
            "entitlement_id": svc_entitlement.pk,
            "name": "Moodle Customization Project",
            "lifecycle": "project",
            "description": "Theme",
            "assigned_staff_id": staff.pk,
            "start_date": "2026-03-15",
        },
        format="json",
    )
    data = created_data(response, "Service created")
    assert (data["status"], data["organization_id"]) == ("proposal", org.pk)
    assert (data["assigned_staff_id"], data["start_date"]) == (staff.pk, "2026-03-15")
    assert ServiceStatusChange.objects.get(subject_id=data["id"]).to_status == "proposal"


@pytest.mark.parametrize("entitlement_class", ["ENV", "PLG"])
def test_create_for_another_class_is_422(entitlement_class, staff_api, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class=entitlement_class)
    response = staff_api.post(URL, {"entitlement_id": entitlement.pk, "name": "x"}, format="json")
    assert response.status_code == 422
    assert response.json()["errors"]["reason"] == "MIDDAG-SVC-NOT_SVC_CLASS"
    assert "SVC-class" in response.json()["errors"]["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"entitlement_id": "ENT"},
        {"entitlement_id": "ENT", "name": "x", "lifecycle": "retainer"},
        {"entitlement_id": "ENT", "name": "x", "priority": "asap"},
        {"entitlement_id": "ENT", "name": "x", "start_date": "yesterday"},
        {"entitlement_id": "ENT", "name": "x", "assigned_staff_id": "CLIENT"},
        {"entitlement_id": "ENT", "name": "x", "metadata": "text"},
        {"entitlement_id": "ENT", "name": "x", "status": "closed"},
    ],
)
def test_create_bad_input_is_422(body, staff_api, svc_entitlement):
    client = UserFactory()
    swap = {"ENT": svc_entitlement.pk, "CLIENT": client.pk}
    body = {k: swap.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = staff_api.post(URL, body, format="json")
    assert response.status_code == 422, response.content
    assert not Service.objects.exists()


def test_staff_patches(staff_api, service):
    response = staff_api.patch(
        f"{URL}/{service.pk}", {"name": "Renamed", "priority": "urgent"}, format="json"
    )
    assert response.status_code == 200
    fresh = Service.objects.get(pk=service.pk)
    assert (fresh.name, fresh.priority) == ("Renamed", "urgent")


def test_patch_lifecycle_in_progress_is_409(staff_api, service):
    response = staff_api.patch(f"{URL}/{service.pk}", {"lifecycle": "ongoing"}, format="json")
    assert response.status_code == 409
    assert "'in_progress'" in response.json()["errors"]["detail"]
    assert Service.objects.get(pk=service.pk).lifecycle == "project"


def test_patch_status_is_422(staff_api, service):
    response = staff_api.patch(f"{URL}/{service.pk}", {"status": "closed"}, format="json")
    assert response.status_code == 422
    assert Service.objects.get(pk=service.pk).status == "in_progress"


@pytest.mark.parametrize(
    ("lifecycle", "before", "name", "after"),
    table(
        """
        project  proposal     approve  approved
        project  approved     start    in_progress
        project  in_progress  hold     on_hold
        project  on_hold      resume   in_progress
        project  in_progress  deliver  delivered
        project  delivered    rework   in_progress
        project  delivered    close    closed
        ongoing  on_hold      close    closed
        ongoing  approved     cancel   cancelled
        """
    ),
)
def test_staff_transitions(lifecycle, before, name, after, staff_api, org, staff):
    service = ServiceFactory(entitlement__organization=org, lifecycle=lifecycle, status=before)
    response = staff_api.post(f"{URL}/{service.pk}/{name}", {"reason": "plan"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["status"] == after
    row = ServiceStatusChange.objects.get(subject=service)
    assert (row.from_status, row.to_status, row.reason, row.changed_by_id) == (
        before,
        after,
        "plan",
        staff.pk,
    )


@pytest.mark.parametrize(
    ("lifecycle", "status", "name"),
    table(
        """
        ongoing  in_progress  deliver
        project  in_progress  close
        project  closed       rework
        ongoing  cancelled    resume
        """
    ),
)
def test_forbidden_transition_is_409(lifecycle, status, name, staff_api, org):
    service = ServiceFactory(entitlement__organization=org, lifecycle=lifecycle, status=status)
    response = staff_api.post(f"{URL}/{service.pk}/{name}")
    assert response.status_code == 409
    body = response.json()
    assert_envelope(body, success=False)
    assert f"'{status}'" in body["errors"]["detail"]
    assert Service.objects.get(pk=service.pk).status == status
    assert not ServiceStatusChange.objects.exists()
