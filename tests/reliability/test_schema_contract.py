"""The OpenAPI schema says what the server does, in components a generator makes one class of
each (issue 18, finding 6 and 7, point 5)."""

from __future__ import annotations

import json
from collections import Counter

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.conftest import API, client_for
from tests.factories import EnvironmentFactory, TicketFactory

V1 = "/api/v1"
COMPONENTS = "#/components/schemas/"
ENVELOPE_KEYS = {"success", "data", "meta", "message", "errors"}


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _walk(node, path=""):
    """Every (path, dict) of the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _operations(schema: dict, prefix: str):
    for path, operations in schema["paths"].items():
        if path.startswith(prefix):
            for method, operation in operations.items():
                if isinstance(operation, dict) and "responses" in operation:
                    yield path, method, operation


def _json_schema(node):
    """OpenAPI 3.0's `nullable` spelled as JSON Schema, for jsonschema."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


def _validate(instance, schema: dict, name: str) -> None:
    """Validate an answer against a component of the schema."""
    document = {"$ref": f"{COMPONENTS}{name}", "components": _json_schema(schema["components"])}
    jsonschema.validate(instance, document)


# --- components ----------------------------------------------------------------------------


def test_no_operation_inlines_an_envelope_meta_or_error_body(schema):
    inline = [
        path
        for path, node in _walk(schema["paths"])
        if "success" in node.get("properties", {}) or "per_page" in node.get("properties", {})
    ]
    assert inline == []
    for path, method, operation in _operations(schema, f"{API}/"):
        for code, response in operation["responses"].items():
            body = response["content"]["application/json"]["schema"]
            assert set(body) == {"$ref"}, (path, method, code, body)


def test_envelope_meta_and_error_body_are_one_component_each(schema):
    components = schema["components"]["schemas"]
    # Where the page meta's and the error body's keys are spelled out: their own component.
    metas = [name for name, c in components.items() if "per_page" in c.get("properties", {})]
    errors = [name for name, c in components.items() if "detail" in c.get("properties", {})]
    assert metas == ["PageMeta"]
    assert errors == ["ErrorDetail"]
    error_envelope = components["ErrorEnvelope"]["properties"]
    assert error_envelope["errors"] == {"$ref": f"{COMPONENTS}ErrorDetail"}
    assert components["ErrorDetail"]["properties"]["fields"] == {"$ref": f"{COMPONENTS}FieldErrors"}
    # Every success envelope refers to them; one envelope per kind of `data`, never per
    # operation (60 before: one per operation and answer).
    envelopes = {
        name: c
        for name, c in components.items()
        if set(c.get("properties", {})) == ENVELOPE_KEYS and name != "ErrorEnvelope"
    }
    for name, envelope in envelopes.items():
        properties = envelope["properties"]
        assert properties["errors"] == {
            "allOf": [{"$ref": f"{COMPONENTS}ErrorDetail"}],
            "nullable": True,
        }
        assert f"{COMPONENTS}PageMeta" in json.dumps(properties["meta"]), name
    used = Counter(
        node["$ref"].rsplit("/", 1)[1]
        for _, node in _walk(schema["paths"])
        if node.get("$ref", "").endswith("Envelope")
    )
    assert set(used) <= {*envelopes, "ErrorEnvelope"}
    assert used["TicketEnvelope"] > 1  # shared by every operation answering a ticket


def test_each_enum_appears_once(schema):
    seen = Counter(
        tuple(sorted(json.dumps(v) for v in node["enum"]))
        for _, node in _walk(schema)
        if "enum" in node and node["enum"] != [False]  # the error bodies' `success: false`
    )
    assert [values for values, count in seen.items() if count > 1] == []
    inline = [path for path, node in _walk(schema["paths"]) if "enum" in node]
    assert inline == []  # parameters refer to the enum components
    company = schema["paths"][f"{API}/tickets"]["get"]["parameters"]
    header = next(p for p in company if p["name"] == "X-Middag-Company")
    assert header["schema"] == {"$ref": f"{COMPONENTS}CompanyEnum"}


# --- the compatibility APIs ------------------------------------------------------------------


def _parameter(operation: dict, name: str) -> dict:
    return next(p for p in operation["parameters"] if p["name"] == name)


def test_compat_path_ids_are_integers_from_one(schema):
    ids = {
        "/api/v1/get_ticket_details/{ticket_id}/": "ticket_id",
        "/api/v1/close_ticket/{ticket_id}/": "ticket_id",
        "/api/v1/tickets/{id}/": "id",
        "/api/v1/tickets/{id}/reply/": "id",
        "/api/v1/tickets/{id}/status/": "id",
    }
    for path, name in ids.items():
        for operation in schema["paths"][path].values():
            declared = _parameter(operation, name)["schema"]
            assert declared["type"] == "integer", (path, declared)
            assert declared["minimum"] == 1
    body = schema["components"]["schemas"]
    for component in (
        "HelpdeskSendMessageRequest",
        "HelpdeskReopenRequest",
        "HelpdeskRatingRequest",
    ):
        assert body[component]["properties"]["ticketId"]["minimum"] == 1
    assert body["HelpdeskRaiseTicketRequest"]["properties"]["userId"]["minimum"] == 1
    dates = body["HelpdeskTicketDatesRequest"]["properties"]["fromDate"]
    assert dates["pattern"]
    assert dates["example"] == "21-11-2016 17:01"


def test_get_tickets_segments_are_paths(schema, member, org, environment):
    base = "/api/v1/get_tickets/{user_id}/"
    longer = [f"{base}{{status}}/", f"{base}{{status}}/{{assigned_admin}}/"]
    for path in [base, *longer]:
        assert set(schema["paths"][path]) == {"get", "post"}
    status = _parameter(schema["paths"][longer[0]]["get"], "status")["schema"]
    values = schema["components"]["schemas"][status["$ref"].rsplit("/", 1)[1]]["enum"]
    assert "all" in values
    ids = [op["operationId"] for p in longer for op in schema["paths"][p].values()]
    assert len(set(ids)) == 4
    api = client_for(member, org)
    for url in [f"{V1}/get_tickets/0/all", f"{V1}/get_tickets/0/all/nobody"]:
        assert api.get(url).status_code == 200


def test_compat_bodies_are_typed_and_match_the_answers(schema, member, staff, org, environment):
    components = schema["components"]["schemas"]
    assert components["IspTicketList"]["properties"]["data"]["items"] == {
        "$ref": f"{COMPONENTS}IspTicketRow"
    }
    assert "replies" in components["IspTicketDetail"]["properties"]
    ticket = TicketFactory(organization=org, requester=member, entitlement=environment.entitlement)
    api = client_for(member, org)
    _validate(api.get(f"{V1}/get_tickets/0").json(), schema, "HelpdeskTicketList")
    details = api.get(f"{V1}/get_ticket_details/{ticket.pk}").json()
    _validate(details, schema, "HelpdeskAnswer")
    _validate(details["message"], schema, "HelpdeskTicketDetails")
    isp = client_for(staff)
    context = {"isp_id": org.pk, "branch_id": 0, "user_id": staff.pk}
    _validate(isp.get(f"{V1}/tickets", context).json(), schema, "IspTicketList")
    _validate(isp.get(f"{V1}/tickets/{ticket.pk}", context).json(), schema, "IspTicket")


# --- errors.fields and metadata ------------------------------------------------------------


def test_errors_fields_match_a_real_answer_with_a_list_field(schema, owner, org):
    api = client_for(owner, org)
    response = api.post(
        f"{API}/organizations/{org.pk}/collaborators",
        {"email": "new@example.com", "scopes": ["tickets", "bogus"]},
        format="json",
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["errors"]["fields"]["scopes"] == {"1": ['"bogus" is not a valid choice.']}
    _validate(body, schema, "ErrorEnvelope")
    plain = api.post(f"{API}/organizations/{org.pk}/collaborators", {}, format="json").json()
    assert isinstance(plain["errors"]["fields"]["email"], list)
    _validate(plain, schema, "ErrorEnvelope")
    # A field's messages or, for a list field, its refused items by index; nothing else.
    one_of = components_of(schema)["FieldErrors"]["additionalProperties"]["oneOf"]
    assert {option["type"] for option in one_of} == {"array", "object"}


def components_of(schema: dict) -> dict:
    return schema["components"]["schemas"]


def test_metadata_is_an_object_and_null_is_refused(schema, staff, org, env_entitlement):
    components = components_of(schema)
    assert components["Metadata"]["type"] == "object"
    assert not components["Metadata"].get("nullable")
    for name in (
        "Entitlement",
        "EnvironmentDetail",
        "ServiceDetail",
        "EntitlementCreateInputRequest",
        "PatchedEnvironmentUpdateInputRequest",
    ):
        metadata = components[name]["properties"]["metadata"]
        assert f"{COMPONENTS}Metadata" in json.dumps(metadata), name
        assert not metadata.get("nullable")
    environment = EnvironmentFactory(entitlement=env_entitlement)
    api = client_for(staff, org)
    url = f"{API}/environments/{environment.pk}"
    for refused in (None, [1, 2], "text"):
        response = api.patch(url, {"metadata": refused}, format="json")
        assert response.status_code == 422, (refused, response.content)
        assert list(response.json()["errors"]["fields"]) == ["metadata"]
    kept = api.patch(url, {"metadata": {"rack": "b2"}}, format="json")
    assert kept.status_code == 200
    assert kept.json()["data"]["metadata"] == {"rack": "b2"}


# --- empty parameter values: ignored, everywhere, and documented so -------------------------


def test_every_optional_query_parameter_documents_an_empty_value_as_ignored(schema):
    for path, method, operation in _operations(schema, ""):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and not parameter.get("required"):
                assert parameter.get("allowEmptyValue") is True, (path, method, parameter["name"])
                assert "empty value is ignored" in parameter["description"]
            if parameter["name"].startswith("X-Middag-"):
                assert "empty value is ignored" in parameter["description"]


@pytest.mark.parametrize("resource", ["tickets", "entitlements", "environments", "services"])
def test_an_empty_parameter_is_the_same_as_none(schema, resource, staff, org, environment, member):
    TicketFactory(organization=org, requester=member, entitlement=environment.entitlement)
    api = client_for(staff, org)
    url = f"{API}/{resource}"
    expected = api.get(url)
    assert expected.status_code == 200
    names = [p["name"] for p in schema["paths"][url]["get"]["parameters"] if p["in"] == "query"]
    assert {"page", "per_page"} <= set(names)
    for name in names:
        response = api.get(f"{url}?{name}=")
        assert response.status_code == 200, (name, response.content)
        assert response.json() == expected.json(), name
    for header in ("HTTP_X_MIDDAG_COMPANY", "HTTP_X_MIDDAG_ORGANIZATION"):
        response = client_for(staff).get(url, **{header: ""})
        assert response.json() == client_for(staff).get(url).json(), header


def test_an_empty_compat_parameter_is_the_same_as_none(staff, org, environment, member):
    TicketFactory(organization=org, requester=member, entitlement=environment.entitlement)
    isp = client_for(staff)
    context = {"isp_id": org.pk, "branch_id": 0, "user_id": staff.pk}
    expected = isp.get(f"{V1}/tickets", context).json()
    for name in ("status", "priority", "page", "per_page"):
        assert isp.get(f"{V1}/tickets", {**context, name: ""}).json() == expected, name
    helpdesk = client_for(member, org)
    listing = helpdesk.get(f"{V1}/get_tickets/0").json()
    assert helpdesk.get(f"{V1}/get_tickets/0?page=&per_page=").json() == listing


# --- ETag on 201 ---------------------------------------------------------------------------


def test_a_created_object_has_the_etag_of_its_next_read(schema, staff, org, env_entitlement):
    api = client_for(staff, org)
    created = api.post(
        f"{API}/environments",
        {"entitlement_id": env_entitlement.pk, "name": "Fresh", "platform": "moodle"},
        format="json",
    )
    assert created.status_code == 201, created.content
    read = api.get(f"{API}/environments/{created.json()['data']['id']}")
    assert created["ETag"] == read["ETag"]
    entitlement = api.post(
        f"{API}/entitlements",
        {"product_name": "Hosting", "class": "ENV", "organization_id": org.pk},
        format="json",
    )
    assert entitlement.status_code == 201, entitlement.content
    again = api.get(f"{API}/entitlements/{entitlement.json()['data']['id']}")
    assert entitlement["ETag"] == again["ETag"]
    # And the schema says so.
    answer = schema["paths"][f"{API}/environments"]["post"]["responses"]["201"]
    assert "ETag" in answer["headers"]


def test_no_etag_where_nothing_was_created(staff, org):
    response = client_for(staff, org).post(f"{API}/entitlements", {}, format="json")
    assert response.status_code == 422
    assert not response.has_header("ETag")
