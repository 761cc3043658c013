"""A JSON object that names a key twice is refused (422), never read as its last value
(issue 17, point 4: "duplicate keys where they matter")."""

import pytest

from config.parsers import loads
from tests.conftest import API, client_for

pytestmark = pytest.mark.django_db


def test_the_parser_refuses_a_key_named_twice_at_any_depth():
    assert loads('{"a": {"b": 1}, "c": [{"d": 2}]}') == {"a": {"b": 1}, "c": [{"d": 2}]}
    for text in ('{"a": 1, "a": 2}', '{"x": [{"b": 1, "b": 1}]}'):
        with pytest.raises(ValueError, match="duplicate key"):
            loads(text)


def test_a_request_naming_a_field_twice_is_a_422_and_changes_nothing(owner, org):
    api = client_for(owner, org)
    body = '{"title": "Down", "description": "500s", "priority": "low", "priority": "urgent"}'
    response = api.post(f"{API}/tickets", body, content_type="application/json")
    assert response.status_code == 422
    assert "duplicate key 'priority'" in response.json()["errors"]["detail"]


def test_the_compatibility_apis_refuse_it_too(owner, org):
    api = client_for(owner, org)
    body = '{"ticketId": 1, "ticketId": 2, "ticketMessage": "hi"}'
    response = api.post("/api/v1/send_message", body, content_type="application/json")
    assert response.status_code == 422
