"""Pathological JSON (issue 17, finding 5) is the client's error, a 422, on every JSON door:
deep nesting, numbers no column holds, NaN and Infinity. Never a 500 with a logged traceback."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from tests.conftest import API, client_for

DEPTH = 100_000

BODIES = {
    "nested arrays": "[" * DEPTH + "]" * DEPTH,
    "nested objects": '{"a":' * DEPTH + "1" + "}" * DEPTH,
    "nested in a field": '{"email": "a@example.com", "password": "x", "name": '
    + "[" * DEPTH
    + "]" * DEPTH
    + "}",
    "unclosed nesting": '{"a": ' + "[" * DEPTH,
    "huge exponent": '{"email": 1e999999, "password": "x"}',
    "negative huge exponent": '{"email": "a@example.com", "password": -1e999999}',
    "10^5-digit integer": '{"email": "a@example.com", "password": ' + "9" * DEPTH + "}",
    "NaN": '{"email": "a@example.com", "password": NaN}',
    "Infinity": '{"email": "a@example.com", "password": Infinity}',
    "-Infinity": '{"email": "a@example.com", "password": -Infinity}',
}


def _anon(world) -> APIClient:
    return APIClient()


def _member(world) -> APIClient:
    return client_for(world["member"], world["org"])


def _staff(world) -> APIClient:
    return client_for(world["staff"], world["org"])


# (door, path, the client that reaches the parser)
DOORS = [
    ("account API, login", f"{API}/auth/login", _anon),
    ("account API, register", f"{API}/auth/register", _anon),
    ("account API, organizations", f"{API}/organizations", _member),
    ("account API, tickets", f"{API}/tickets", _member),
    ("ISP compatibility API", "/api/v1/tickets", _staff),
    ("helpdesk compatibility API", "/api/v1/raise_ticket", _member),
]


@pytest.fixture
def world(org, member, staff) -> dict:
    return {"org": org, "member": member, "staff": staff}


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize(("door", "path", "caller"), DOORS, ids=[d[0] for d in DOORS])
def test_pathological_json_is_a_422(world, caplog, body, door, path, caller):
    response = caller(world).generic("POST", path, BODIES[body], content_type="application/json")
    assert response.status_code == 422, response.content[:500]
    answer = response.json()
    if door.startswith("helpdesk"):  # seed 003's own wire format
        assert (answer["status"], answer["errorCode"]) == ("error", 422)
    else:
        assert answer["success"] is False
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no logged traceback
    if door.startswith("account API"):
        assert answer["errors"]["code"] == "VALIDATION_ERROR"
        assert answer["data"] is None


def test_reasonable_json_still_parses(world):
    """Nesting a real payload uses and numbers of ordinary size are untouched."""
    client = _member(world)
    body = {"name": "Nested Org", "metadata": {"a": [[[1, 2.5, -3e10, 12345678901234567890]]]}}
    response = client.generic(
        "POST", f"{API}/organizations", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201, response.content[:500]


def test_a_long_string_is_not_a_number(world):
    """A string of digits or brackets is data, whatever its length."""
    body = {"email": "[" * 5000 + "9" * 5000 + "@example.com", "password": "x"}
    response = APIClient().post(f"{API}/auth/login", body, format="json")
    assert response.status_code in (401, 422)
    assert "Malformed" not in response.content.decode()
