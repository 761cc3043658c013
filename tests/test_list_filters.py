"""Filters belong to lists; array parameters take both spellings; id filters never refuse.

Issue 18 (findings 4-6): a list's filters leaked into detail and sub-resource operations (documented
there, and applied to the object lookup), generated clients' repeated keys (`?p=a&p=b`) kept only
the last value, and an id filter naming another organization's object was a 422. Issue 17 (finding
8): `?assignee_id=N` told staff ids from the others (200 vs 422).
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from entitlements.api.filters import EntitlementFilter
from environments.api.filters import EnvironmentFilter
from services.api.filters import ServiceFilter
from tests.conftest import API
from tests.factories import (
    EntitlementFactory,
    EnvironmentFactory,
    ServiceFactory,
    StaffFactory,
    TicketFactory,
    UserFactory,
)
from tickets.api.filters import TicketFilter

BIGGEST_ID = 2**63 - 1
LIST_FILTERS = {
    name
    for filterset in (TicketFilter, EntitlementFilter, EnvironmentFilter, ServiceFilter)
    for name in filterset.base_filters
}


@pytest.fixture(scope="module")
def schema_and_actions():
    """The generated schema, and the viewset action behind each (path, method)."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    actions = {}
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        action = getattr(view, "action", None)
        actions[(path.rstrip("/") if path.startswith("/wp-json/") else path, method.lower())] = (
            action
        )
    return schema, actions


def _query_parameters(operation: dict) -> dict[str, dict]:
    return {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "query"}


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


# --- 1. filters belong to lists ---------------------------------------------------------------


def test_only_list_operations_document_list_filters(schema_and_actions):
    schema, actions = schema_and_actions
    leaks, lists = [], []
    for path, method, operation in _operations(schema):
        if not path.startswith(API):
            continue  # the compatibility APIs' parameters are their seeds' own, not filter sets
        documented = set(_query_parameters(operation)) & LIST_FILTERS
        if actions.get((path, method)) == "list":
            lists.append(path)
        elif documented:
            leaks.append(f"{method.upper()} {path}: {sorted(documented)}")
    assert not leaks, "\n".join(leaks)
    assert f"{API}/tickets" in lists
    assert f"{API}/entitlements/{{id}}/orders" not in lists  # a sub-resource, not a list action


@pytest.fixture
def ticket(org, env_entitlement):
    return TicketFactory(organization=org, entitlement=env_entitlement)


def test_a_list_filter_on_the_detail_is_ignored(member_api, ticket):
    response = member_api.get(f"{API}/tickets/{ticket.pk}?status=closed&priority=urgent")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["id"] == ticket.pk


def test_a_list_filter_on_the_history_is_ignored(member_api, ticket):
    response = member_api.get(f"{API}/tickets/{ticket.pk}/history?assignee_id=999")
    assert response.status_code == 200, response.content


def test_a_list_filter_on_a_reply_is_ignored(member_api, ticket):
    response = member_api.post(
        f"{API}/tickets/{ticket.pk}/replies?status=closed",
        {"message": "Still broken"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert ticket.replies.count() == 1


@pytest.mark.parametrize(
    ("resource", "fixture", "query"),
    [
        ("entitlements", "env_entitlement", "status=cancelled&class=PLG&search=nothing"),
        ("environments", "environment", "status=suspended&platform=custom"),
        ("services", "service", "status=closed&lifecycle=ongoing"),
    ],
)
def test_list_filters_never_hide_the_object_of_a_detail(
    member_api, request, resource, fixture, query
):
    obj = request.getfixturevalue(fixture)
    for suffix in ("", "/history"):
        response = member_api.get(f"{API}/{resource}/{obj.pk}{suffix}?{query}")
        assert response.status_code == 200, (suffix, response.content)


# --- 2. array parameters: `a,b` and `?p=a&p=b` ---------------------------------------------------


@pytest.fixture
def world(org, env_entitlement, staff):
    """Tickets over every priority and three statuses, two SLA states; entitlements with shared
    product names; environments and services of several kinds."""
    paused_at = timezone.now() - timedelta(hours=1)
    for index, priority in enumerate(["low", "normal", "high", "urgent"] * 3):
        status = ["open", "in_progress", "resolved"][index % 3]
        TicketFactory(
            organization=org,
            entitlement=env_entitlement,
            priority=priority,
            status=status,
            resolution_due_at=timezone.now() + timedelta(days=10),
            resolved_at=timezone.now() if status == "resolved" else None,
            paused_at=paused_at if index % 4 == 1 and status != "resolved" else None,
        )
    for index in range(6):
        EntitlementFactory(organization=org, product_name=f"Product {'AB'[index % 2]}")
    for status, platform, kind in [
        ("active", "moodle", "production"),
        ("maintenance", "wordpress", "staging"),
        ("suspended", "custom", "sandbox"),
    ]:
        EnvironmentFactory(
            entitlement__organization=org,
            status=status,
            platform=platform,
            environment_type=kind,
        )
    for status, lifecycle in [
        ("in_progress", "project"),
        ("on_hold", "ongoing"),
        ("closed", "project"),
    ]:
        ServiceFactory(entitlement__organization=org, status=status, lifecycle=lifecycle)


# (list, parameter, two values): every array query parameter of the account API's lists.
ARRAYS = [
    ("tickets", "status", ["open", "in_progress"]),
    ("tickets", "priority", ["high", "urgent"]),
    ("tickets", "sla_status", ["paused", "met"]),
    ("tickets", "ordering", ["priority", "-number"]),
    ("entitlements", "ordering", ["product_name", "-code"]),
    ("environments", "status", ["active", "maintenance"]),
    ("environments", "platform", ["moodle", "custom"]),
    ("environments", "environment_type", ["production", "staging"]),
    ("services", "status", ["in_progress", "on_hold"]),
    ("services", "lifecycle", ["project", "ongoing"]),
]


def _ids(client, path: str, query: str) -> list[int]:
    response = client.get(f"{API}/{path}?per_page=100&{query}")
    assert response.status_code == 200, (query, response.content)
    return [row["id"] for row in response.json()["data"]]


@pytest.mark.parametrize(("path", "name", "values"), ARRAYS, ids=[f"{p}-{n}" for p, n, _ in ARRAYS])
def test_repeated_keys_mean_the_same_as_commas(member_api, world, path, name, values):
    commas = _ids(member_api, path, f"{name}={','.join(values)}")
    repeated = _ids(member_api, path, "&".join(f"{name}={value}" for value in values))
    last_alone = _ids(member_api, path, f"{name}={values[-1]}")
    assert repeated == commas
    assert repeated != last_alone  # the first value counted too
    if name != "ordering":
        assert set(last_alone) < set(repeated)


def test_the_array_table_covers_every_array_parameter(schema_and_actions):
    schema, _ = schema_and_actions
    documented = set()
    for path, _method, operation in _operations(schema):
        for name, parameter in _query_parameters(operation).items():
            if parameter["schema"].get("type") == "array" and path.startswith(API):
                documented.add((path.removeprefix(f"{API}/"), name))
                assert parameter.get("style", "form") == "form", (path, name)
                assert parameter.get("explode", True) is True, (path, name)
                assert f"{name}=a&{name}=b" in parameter["description"], (path, name)
                assert f"{name}=a,b" in parameter["description"], (path, name)
    nested = {
        (f"{parent}/{{{parent[:-1]}_pk}}/tickets", name)
        for parent in ("environments", "services")
        for path, name, _ in ARRAYS
        if path == "tickets"
    }
    assert documented == {(path, name) for path, name, _ in ARRAYS} | nested


# --- 3. id filters never refuse -----------------------------------------------------------------


@pytest.fixture
def assigned(org, env_entitlement):
    """A ticket assigned to a staff user, one unassigned."""
    staff = StaffFactory()
    return (
        TicketFactory(organization=org, entitlement=env_entitlement, assignee=staff),
        TicketFactory(organization=org, entitlement=env_entitlement),
    )


def _answer(client, query: str) -> tuple[int, list]:
    response = client.get(f"{API}/tickets?{query}")
    body = response.json()
    return response.status_code, body["data"]


def test_assignee_filter_still_filters(member_api, assigned):
    mine, unassigned = assigned
    assert _answer(member_api, f"assignee_id={mine.assignee_id}")[1][0]["id"] == mine.pk
    assert [row["id"] for row in _answer(member_api, "assignee_id=none")[1]] == [unassigned.pk]


def test_assignee_ids_that_match_nothing_give_the_same_empty_list(
    member_api, assigned, member, other_org
):
    other_staff = StaffFactory()  # staff, assigned to nothing here
    outsider = UserFactory()  # not staff, not a member
    answers = {
        name: _answer(member_api, f"assignee_id={pk}")
        for name, pk in {
            "staff": other_staff.pk,
            "client": member.pk,
            "outsider": outsider.pk,
            "nonexistent": outsider.pk + 1000,
            "biggest": BIGGEST_ID,
        }.items()
    }
    assert all(answer == (200, []) for answer in answers.values()), answers


@pytest.mark.parametrize("name", ["entitlement_id", "environment_id", "service_id"])
def test_other_and_missing_ids_give_an_empty_list(
    member_api, assigned, other_environment, other_service, name
):
    foreign = {
        "entitlement_id": other_environment.entitlement_id,
        "environment_id": other_environment.pk,
        "service_id": other_service.pk,
    }[name]
    for value in (foreign, foreign + 1000, BIGGEST_ID):
        assert _answer(member_api, f"{name}={value}") == (200, []), value


def test_own_ids_still_filter(member_api, org, environment, service):
    one = TicketFactory(
        organization=org, entitlement=environment.entitlement, environment=environment
    )
    two = TicketFactory(organization=org, entitlement=service.entitlement, service=service)
    assert [r["id"] for r in _answer(member_api, f"environment_id={environment.pk}")[1]] == [one.pk]
    assert [r["id"] for r in _answer(member_api, f"service_id={service.pk}")[1]] == [two.pk]
    by_entitlement = _answer(member_api, f"entitlement_id={service.entitlement_id}")[1]
    assert [r["id"] for r in by_entitlement] == [two.pk]


@pytest.mark.parametrize("name", ["assignee_id", "entitlement_id", "environment_id", "service_id"])
@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.0", "+5", "²", str(BIGGEST_ID + 1)])
def test_malformed_ids_are_422(member_api, assigned, name, value):
    response = member_api.get(f"{API}/tickets", {name: value})
    assert response.status_code == 422, (name, value, response.content)
    assert name in response.json()["errors"]["fields"]


def test_id_filters_document_their_bounds(schema_and_actions):
    schema, _ = schema_and_actions
    parameters = _query_parameters(schema["paths"][f"{API}/tickets"]["get"])
    for name in ("assignee_id", "entitlement_id", "environment_id", "service_id"):
        text = str(parameters[name]["schema"])
        assert "'minimum': 1" in text, (name, text)
        assert f"'maximum': {BIGGEST_ID}" in text, (name, text)


# Found by the schema fuzzer: Python reads offsets up to ±23:59, PostgreSQL only ±15:59, so
# `created_after=…-22:15` went to the database as given and came back a DataError (a 422 that also
# aborted the transaction around it). The filter now compares in UTC.
@pytest.mark.postgres
def test_a_date_filter_with_any_offset_python_reads_is_compared_in_utc(member_api, ticket):
    from django.db import connection

    created = ticket.created_at.astimezone(UTC)
    # The same moment, written 22 h 15 min behind UTC.
    behind = (created - timedelta(hours=22, minutes=15)).strftime("%Y-%m-%dT%H:%M:%S.%f-22:15")
    after = member_api.get(f"{API}/tickets", {"created_after": behind})
    before = member_api.get(f"{API}/tickets", {"created_before": behind})
    assert after.status_code == 200, after.json()
    assert [t["id"] for t in after.json()["data"]] == [ticket.pk]
    assert before.status_code == 200
    assert before.json()["data"] == []
    with connection.cursor() as cursor:  # the transaction around the request is intact
        cursor.execute("SELECT 1")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+10:00", "9999-12-31T23:00:00-05:00"])
def test_a_date_with_no_utc_equivalent_is_a_422(member_api, moment):
    response = member_api.get(f"{API}/tickets", {"created_after": moment})
    assert response.status_code == 422
    assert "created_after" in response.json()["errors"]["fields"]
