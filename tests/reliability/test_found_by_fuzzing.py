"""What the schema fuzzer found, pinned down as plain tests (each failed before its fix)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.conftest import API


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_unknown_api_route_is_a_json_404_even_for_writes_without_csrf(method):
    """Was Django's HTML "CSRF cookie not set" 403 page: the catch-all view was not exempt."""
    client = APIClient(enforce_csrf_checks=True)
    response = getattr(client, method)(f"{API}/entitlements/%C2%84", {}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/raise_ticket",
        "/api/v1/send_message",
        "/api/v1/reopen_ticket",
        "/api/v1/ticket_rating",
        "/api/v1/assign_ticket_to_admin",
    ],
)
@pytest.mark.parametrize("body", [[None, None], "text", 3])
def test_a_json_body_that_is_not_an_object_is_422_on_the_helpdesk_api(world, path, body):
    """Was a 500: the views read named fields from whatever JSON came."""
    response = world.clients["staff"].post(path, body, format="json")
    assert response.status_code == 422, response.content
    assert response.json()["errorCode"] == 422


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/tickets/1/reply"])
def test_a_json_body_that_is_not_an_object_is_422_on_the_isp_api(world, path):
    response = world.clients["staff"].post(path, [1, 2], format="json")
    assert response.status_code == 422
    assert response.json()["success"] is False


@pytest.mark.parametrize(
    ("caller", "path"),
    [
        ("member", f"{API}/entitlements"),
        ("member", f"{API}/tickets/1"),
        ("member", f"{API}/organizations"),
        ("member", f"{API}/auth/me"),
        ("anon", f"{API}/tickets"),
        ("anon", f"{API}/auth/login"),
        ("staff", "/api/v1/tickets"),
        ("member", "/api/v1/raise_ticket"),
    ],
)
def test_an_undeclared_method_is_405_whoever_asks(world, caller, path):
    """Was 401, 403 or 422 (authentication and the organization header were checked first)."""
    client = world.clients[caller]
    client.defaults["HTTP_X_MIDDAG_ORGANIZATION"] = "0"  # even a malformed header
    response = client.generic("TRACE", path)
    assert response.status_code == 405, response.content
    assert response["Allow"]
    assert "TRACE" not in response["Allow"]


@pytest.mark.django_db
def test_the_schema_documents_what_the_apis_really_answer(anon):
    schema = anon.get("/api/schema/?format=json").json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    # Compatibility errors, in each API's own style.
    isp = paths["/api/v1/tickets/"]["post"]["responses"]
    assert isp["403"]["content"]["application/json"]["schema"]["$ref"].endswith("/IspError")
    helpdesk = paths["/api/v1/raise_ticket/"]["post"]["responses"]
    assert helpdesk["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/HelpdeskError"
    )
    # get_tickets answers {status, errorCode, data}, not the message-only answer.
    listing = paths["/api/v1/get_tickets/{user_id}/"]["get"]["responses"]["200"]
    ref = listing["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert "data" in components[ref]["properties"]
    # A blank optional URL ("") is documented as allowed.
    admin_url = components["EnvironmentDetail"]["properties"]["admin_url"]
    assert {"type": "string", "maxLength": 0} in admin_url["anyOf"]
    # Errors every account-API operation may answer.
    tickets = paths[f"{API}/tickets"]["post"]["responses"]
    assert {"401", "403", "413", "422", "429", "500", "503"} <= set(tickets)
