"""GET|POST|PATCH /environments and the transition actions, against seed 001 and SPEC §1/§3."""

import pytest

from environments.actions import environment_suspend
from environments.models import Environment, EnvironmentStatusChange
from tests.conftest import API, assert_envelope, client_for
from tests.factories import EntitlementFactory, EnvironmentFactory
from tests.helpers import created_data, keys, table, the_only_item, validation_error_fields

URL = f"{API}/environments"
LIST_KEYS = keys(
    "id name status platform environment_type url entitlement_id entitlement_code "
    "organization_id created_at"
)
DETAIL_KEYS = LIST_KEYS | {"metadata", "updated_at"}
OPERATIONAL_KEYS = keys(
    "platform_version admin_url hosting_provider region backup_schedule "
    "backup_retention_days health"
)


TRANSITION_PATHS = [
    "activate",
    "start-maintenance",
    "end-maintenance",
    "suspend",
    "reactivate",
    "decommission",
]


def post_new(api, entitlement_id: int, name: str = "x"):
    """POST the smallest environment the API accepts, on `entitlement_id`."""
    body = {"entitlement_id": entitlement_id, "name": name, "platform": "moodle"}
    return api.post(URL, body, format="json")


# --- reading --------------------------------------------------------------------------------


def test_list_has_the_seed_fields(member_api, org):
    environment = EnvironmentFactory(
        entitlement__organization=org, name="Acme Moodle Production", url="https://lms.example.com"
    )
    item = the_only_item(member_api.get(URL))
    assert set(item) == LIST_KEYS
    assert item == {
        "id": environment.pk,
        "name": "Acme Moodle Production",
        "status": "active",
        "platform": "moodle",
        "environment_type": "production",
        "url": "https://lms.example.com",
        "entitlement_id": environment.entitlement_id,
        "entitlement_code": environment.entitlement.code,
        "organization_id": org.pk,
        "created_at": item["created_at"],
    }
    assert item["created_at"].endswith("Z")


def test_detail_has_the_seed_and_operational_fields(member_api, org):
    environment = EnvironmentFactory(
        entitlement__organization=org, metadata={"moodle_plugins": 42}, region="sa-east-1"
    )
    response = member_api.get(f"{URL}/{environment.pk}")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == DETAIL_KEYS | OPERATIONAL_KEYS
    assert data["metadata"] == {"moodle_plugins": 42}
    assert data["region"] == "sa-east-1"
    assert data["entitlement_code"] == environment.entitlement.code
    assert response.json()["meta"] is None


def test_trailing_slash_is_served_without_redirect(member_api, environment):
    assert member_api.get(f"{URL}/").status_code == 200
    assert member_api.get(f"{URL}/{environment.pk}/").status_code == 200
    assert member_api.get(f"{URL}/{environment.pk}/history/").status_code == 200


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("status", "active", {"a"}),
        ("status", "suspended", {"c"}),
        ("status", "active,suspended", {"a", "c"}),
        ("status", "decommissioned", set()),
        ("platform", "wordpress", {"b"}),
        ("platform", "custom", {"c"}),
        ("environment_type", "staging", {"b"}),
        ("environment_type", "sandbox", {"c"}),
    ],
)
def test_filters(param, value, expected, member_api, org):
    EnvironmentFactory(entitlement__organization=org, name="a")
    EnvironmentFactory(
        entitlement__organization=org,
        name="b",
        platform="wordpress",
        environment_type="staging",
        status="maintenance",
    )
    EnvironmentFactory(
        entitlement__organization=org,
        name="c",
        platform="custom",
        environment_type="sandbox",
        status="suspended",
    )
    response = member_api.get(URL, {param: value})
    assert response.status_code == 200
    assert {item["name"] for item in response.json()["data"]} == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "running"),
        ("status", "active,nope"),
        ("platform", "joomla"),
        ("environment_type", "prod"),
    ],
)
def test_invalid_filter_value_is_422(param, value, member_api, environment):
    assert param in validation_error_fields(member_api.get(URL, {param: value}))


def test_unknown_query_parameters_are_ignored(member_api, environment):
    response = member_api.get(URL, {"colour": "blue"})
    assert response.status_code == 200
    assert response.json()["meta"]["total"] == 1


def test_history_has_the_seed_shape(staff_api, org, env_entitlement, staff):
    created = post_new(staff_api, env_entitlement.pk, name="Lms")
    pk = created.json()["data"]["id"]
    staff_api.post(f"{URL}/{pk}/activate", {"reason": "ready"}, format="json")
    response = client_for(staff, org).get(f"{URL}/{pk}/history")
    assert response.status_code == 200
    rows = response.json()["data"]
    assert [(r["from_status"], r["to_status"]) for r in rows] == [
        (None, "provisioning"),
        ("provisioning", "active"),
    ]
    assert set(rows[0]) == {"from_status", "to_status", "changed_at", "changed_by", "reason"}
    assert rows[1]["changed_by"] == staff.pk
    assert rows[1]["reason"] == "ready"


def test_client_reads_history(member_api, environment, staff):
    environment_suspend(environment=environment, actor=staff, reason="unpaid")
    response = member_api.get(f"{URL}/{environment.pk}/history")
    assert response.status_code == 200
    assert response.json()["data"][0]["to_status"] == "suspended"


def test_company_header_narrows(staff_api, environment):
    response = staff_api.get(URL, HTTP_X_MIDDAG_COMPANY="middag_global")
    assert response.json()["meta"]["total"] == 0
    assert staff_api.get(URL, HTTP_X_MIDDAG_COMPANY="acme").status_code == 422


# --- tenancy and permissions ------------------------------------------------------------------


def test_staff_with_a_header_gets_404_for_another_organization(staff, org, other_environment):
    api = client_for(staff, org)
    for path in (f"{URL}/{other_environment.pk}", f"{URL}/{other_environment.pk}/history"):
        assert api.get(path).status_code == 404
    assert (
        api.patch(f"{URL}/{other_environment.pk}", {"name": "x"}, format="json").status_code == 404
    )
    for transition in TRANSITION_PATHS:
        assert (
            api.post(f"{URL}/{other_environment.pk}/{transition}", format="json").status_code == 404
        )
    assert Environment.objects.get(pk=other_environment.pk).status == "active"


def test_staff_with_a_header_cannot_create_in_another_organization(staff, org, other_org):
    entitlement = EntitlementFactory(organization=other_org, entitlement_class="ENV")
    response = post_new(client_for(staff, org), entitlement.pk)
    assert response.status_code == 422
    assert "entitlement_id" in response.json()["errors"]["fields"]
    assert not Environment.objects.exists()


def test_non_member_of_the_header_organization_is_403(other_owner, org, environment):
    response = client_for(other_owner, org).get(URL)
    assert response.status_code == 403
    assert response.json()["errors"]["code"] == "AUTHORIZATION_ERROR"


def test_scopeless_member_is_403(scopeless_member, org, environment):
    api = client_for(scopeless_member, org)
    assert api.get(URL).status_code == 403
    assert api.get(f"{URL}/{environment.pk}").status_code == 403
    assert api.get(f"{URL}/{environment.pk}/history").status_code == 403


def test_guest_reads(guest_api, environment):
    assert guest_api.get(URL).status_code == 200
    assert guest_api.get(f"{URL}/{environment.pk}").status_code == 200


def test_client_without_header_is_422(member, environment):
    response = client_for(member).get(URL)
    assert response.status_code == 422


def test_anonymous_is_401(anon, environment):
    assert anon.get(URL).status_code == 401
    assert anon.get(f"{URL}/{environment.pk}").status_code == 401


@pytest.mark.parametrize("who", ["owner_api", "member_api", "guest_api"])
def test_clients_cannot_write(who, request, environment, env_entitlement):
    api = request.getfixturevalue(who)
    create = post_new(api, env_entitlement.pk)
    assert create.status_code == 403
    assert create.json()["errors"]["code"] == "AUTHORIZATION_ERROR"
    assert api.patch(f"{URL}/{environment.pk}", {"name": "x"}, format="json").status_code == 403
    for transition in TRANSITION_PATHS:
        assert api.post(f"{URL}/{environment.pk}/{transition}", format="json").status_code == 403, (
            transition
        )
    fresh = Environment.objects.get(pk=environment.pk)
    assert (fresh.status, fresh.name) == ("active", environment.name)
    assert Environment.objects.count() == 1
    assert not EnvironmentStatusChange.objects.exists()


def test_unknown_and_malformed_ids_are_404(member_api):
    assert member_api.get(f"{URL}/999999").status_code == 404
    response = member_api.get(f"{URL}/abc")
    assert response.status_code == 404
    assert_envelope(response.json(), success=False)


def test_put_and_delete_are_405(staff_api, environment):
    assert staff_api.put(f"{URL}/{environment.pk}", {"name": "x"}, format="json").status_code == 405
    assert staff_api.delete(f"{URL}/{environment.pk}").status_code == 405


# --- staff writes -------------------------------------------------------------------------------


def test_staff_creates(staff_api, org, env_entitlement):
    response = staff_api.post(
        URL,
        {
            "entitlement_id": env_entitlement.pk,
            "name": "Acme Moodle Production",
            "platform": "moodle",
            "environment_type": "production",
            "url": "https://lms.example.com",
            "metadata": {"php": "8.3"},
            "backup_retention_days": 14,
        },
        format="json",
    )
    data = created_data(response, "Environment created")
    assert data["status"] == "provisioning"
    assert data["organization_id"] == org.pk
    assert data["entitlement_code"] == env_entitlement.code
    assert data["metadata"] == {"php": "8.3"}
    assert data["backup_retention_days"] == 14


@pytest.mark.parametrize("entitlement_class", ["SVC", "PLG"])
def test_create_for_another_class_is_422(entitlement_class, staff_api, org):
    entitlement = EntitlementFactory(organization=org, entitlement_class=entitlement_class)
    response = post_new(staff_api, entitlement.pk)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "ENV-class" in errors["detail"]
    assert errors["reason"] == "MIDDAG-ENV-NOT_ENV_CLASS"
    assert "entitlement_id" in errors["fields"]


def test_create_twice_is_409(staff_api, environment):
    response = post_new(staff_api, environment.entitlement_id)
    assert response.status_code == 409
    assert response.json()["errors"]["code"] == "CONFLICT"
    assert Environment.objects.count() == 1


def test_create_standalone_is_422(staff_api):
    entitlement = EntitlementFactory(organization=None, entitlement_class="ENV")
    response = post_new(staff_api, entitlement.pk)
    assert response.status_code == 422
    assert "no organization" in response.json()["errors"]["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x", "platform": "moodle"},
        {"entitlement_id": 999999, "name": "x", "platform": "moodle"},
        {"entitlement_id": "abc", "name": "x", "platform": "moodle"},
        {"entitlement_id": "ENT", "name": "", "platform": "moodle"},
        {"entitlement_id": "ENT", "name": "x", "platform": "joomla"},
        {"entitlement_id": "ENT", "name": "x", "platform": "moodle", "url": "not a url"},
        {"entitlement_id": "ENT", "name": "x", "platform": "moodle", "metadata": [1]},
        {"entitlement_id": "ENT", "name": "x", "platform": "moodle", "status": "active"},
        {"entitlement_id": "ENT", "name": "x", "platform": "moodle", "backup_retention_days": 0},
    ],
)
def test_create_bad_input_is_422(body, staff_api, env_entitlement):
    body = {k: env_entitlement.pk if v == "ENT" else v for k, v in body.items()}
    response = staff_api.post(URL, body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"]["code"] == "VALIDATION_ERROR"
    assert not Environment.objects.exists()


def test_malformed_json_is_422(staff_api):
    response = staff_api.generic("POST", URL, "{nope", content_type="application/json")
    assert response.status_code == 422


def test_staff_patches_details(staff_api, environment):
    response = staff_api.patch(
        f"{URL}/{environment.pk}",
        {"name": "Renamed", "health": "degraded", "metadata": {"a": 1}},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["message"] == "Environment updated"
    fresh = Environment.objects.get(pk=environment.pk)
    assert (fresh.name, fresh.health, fresh.metadata) == ("Renamed", "degraded", {"a": 1})


@pytest.mark.parametrize("field", ["status", "entitlement_id", "organization_id"])
def test_patch_refuses_fixed_fields(field, staff_api, environment):
    response = staff_api.patch(f"{URL}/{environment.pk}", {field: 1}, format="json")
    assert response.status_code == 422
    assert field in response.json()["errors"]["fields"]
    assert Environment.objects.get(pk=environment.pk).status == "active"


def test_patch_decommissioned_is_409(staff_api, environment):
    Environment.objects.filter(pk=environment.pk).update(status="decommissioned")
    response = staff_api.patch(f"{URL}/{environment.pk}", {"name": "x"}, format="json")
    assert response.status_code == 409
    assert "decommissioned" in response.json()["errors"]["detail"]


@pytest.mark.parametrize(
    ("before", "path", "after"),
    table(
        """
        provisioning  activate           active
        active        start-maintenance  maintenance
        maintenance   end-maintenance    active
        active        suspend            suspended
        suspended     reactivate         active
        maintenance   decommission       decommissioned
        """
    ),
)
def test_staff_transitions(before, path, after, staff_api, environment, staff):
    Environment.objects.filter(pk=environment.pk).update(status=before)
    response = staff_api.post(
        f"{URL}/{environment.pk}/{path}", {"reason": "ops", "notes": "n"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["data"]["status"] == after
    assert body["message"].startswith("Environment")
    row = EnvironmentStatusChange.objects.get(subject=environment)
    assert (row.from_status, row.to_status, row.reason, row.notes) == (before, after, "ops", "n")
    assert row.changed_by_id == staff.pk


def test_forbidden_transition_is_409_with_the_status(staff_api, environment):
    Environment.objects.filter(pk=environment.pk).update(status="decommissioned")
    response = staff_api.post(f"{URL}/{environment.pk}/reactivate", format="json")
    assert response.status_code == 409
    body = response.json()
    assert_envelope(body, success=False)
    assert "'decommissioned'" in body["errors"]["detail"]
    assert body["errors"]["reason"]
    assert Environment.objects.get(pk=environment.pk).status == "decommissioned"
    assert not EnvironmentStatusChange.objects.exists()


def test_reactivate_while_entitlement_suspended_is_409(staff_api, org):
    environment = EnvironmentFactory(
        entitlement__organization=org, entitlement__status="suspended", status="suspended"
    )
    response = staff_api.post(f"{URL}/{environment.pk}/reactivate", format="json")
    assert response.status_code == 409
    assert response.json()["errors"]["reason"] == "MIDDAG-ENV-ENTITLEMENT_NOT_ACTIVE"


def test_transition_reason_too_long_is_422(staff_api, environment):
    response = staff_api.post(
        f"{URL}/{environment.pk}/suspend", {"reason": "x" * 501}, format="json"
    )
    assert response.status_code == 422
    assert Environment.objects.get(pk=environment.pk).status == "active"
