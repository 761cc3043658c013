"""Assertions and request helpers shared by several test modules (fixtures live in conftest.py)."""

from tests.conftest import assert_envelope

# The management form of an admin page's read-only history inline: no rows posted.
NO_HISTORY_ROWS = {"history-TOTAL_FORMS": "0", "history-INITIAL_FORMS": "0"}


def the_only_item(response) -> dict:
    """The single item of a successful first list page (200, envelope, meta of one page of one)."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 1, "pages": 1}
    (item,) = body["data"]
    return item


def assert_changelist_search_and_filters(client, changelist: str, shown, hidden, filters):
    """An admin changelist lists `shown`, its search by entitlement code finds `shown` and not
    `hidden`, and every filter of `filters` answers 200. Returns the unfiltered page."""
    response = client.get(changelist)
    assert response.status_code == 200
    assert shown.name in response.text
    found = client.get(changelist, {"q": shown.entitlement.code})
    assert shown.name in found.text
    assert hidden.name not in found.text
    for params in filters:
        assert client.get(changelist, params).status_code == 200, params
    return response


def created_data(response, message: str) -> dict:
    """The data of a 201 answer: success envelope with `message`."""
    assert response.status_code == 201, response.content
    body = response.json()
    assert_envelope(body, success=True)
    assert body["message"] == message
    return body["data"]


def validation_error_fields(response) -> dict:
    """The `fields` of a 422 validation error in the failure envelope."""
    assert response.status_code == 422
    body = response.json()
    assert_envelope(body, success=False)
    assert body["errors"]["code"] == "VALIDATION_ERROR"
    return body["errors"]["fields"]
