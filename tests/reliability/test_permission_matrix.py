"""Runs the permission matrix (tests/reliability/permission_matrix.py) against real requests.

One test per operation: the world is built once, the operation's state is set up, then each
caller's request runs in a transaction rolled back afterwards, so every caller meets the same
state. A mismatch prints the whole row, expected against got.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from tests.reliability.permission_matrix import CALLERS, RECIPES, Recipe, parse_matrix

TABLE = parse_matrix()
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def schema_operations(client: APIClient) -> set[tuple[str, str]]:
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    }


@pytest.mark.django_db
def test_every_operation_of_the_schema_has_a_row_and_a_recipe(anon):
    operations = schema_operations(anon)
    assert len(operations) >= 80
    assert sorted(operations - set(TABLE)) == [], "operations without a row in the matrix"
    assert sorted(set(TABLE) - operations) == [], "rows for operations the schema lacks"
    assert set(RECIPES) == set(TABLE)


def _resolve(world, ref: str, caller: str):
    if ref.startswith("="):  # a literal path segment (a filter word, not an object)
        return ref[1:]
    if ref == "caller":
        user = world.user(caller)
        return user.pk if user is not None else 0
    obj = world
    for part in ref.split("."):
        obj = getattr(obj, part)
    return getattr(obj, "pk", obj)


def _secrets(world) -> list[str]:
    """What organization A's objects would give away in a body meant for someone else."""
    return [
        "secret",  # every name, title and url of organization A's objects carries this word
        world.ticket.number,
        world.env_entitlement.code,
        world.svc_entitlement.code,
        world.org.slug,
    ]


def send(world, method: str, path: str, recipe: Recipe, caller: str):
    url = path.format(**{k: _resolve(world, v, caller) for k, v in recipe.path.items()})
    client = world.clients[caller]
    query = recipe.query(world, caller) if recipe.query else None
    if query:
        url = f"{url}?{urlencode(query)}"
    if method == "GET":
        return client.get(url)
    body = recipe.body(world, caller) if recipe.body else None
    return getattr(client, method.lower())(url, body, format="json")


@pytest.mark.parametrize(
    ("method", "path"), sorted(TABLE), ids=[f"{m} {p}" for m, p in sorted(TABLE)]
)
def test_permission_matrix(world, method, path):
    recipe = RECIPES[(method, path)]
    expected = TABLE[(method, path)]
    if recipe.prepare:
        recipe.prepare(world)
    got: dict[str, int] = {}
    leaks: dict[str, list[str]] = {}
    for caller in CALLERS:
        cache.clear()  # the login/register throttles count per IP: each caller starts afresh
        with transaction.atomic():
            response = send(world, method, path, recipe, caller)
            transaction.set_rollback(True)  # the next caller meets the same state
        got[caller] = response.status_code
        assert response.status_code < 500, response.content[:500]
        if not (path.endswith("/download") and response.status_code == 200):  # a file's type
            assert response["Content-Type"].startswith("application/json"), caller
        if caller == "other" and response.status_code >= 400:
            # Refused (404 for A's objects, 403/422 otherwise): nothing of A in the body.
            text = response.content.decode().lower()
            leaks[caller] = [s for s in _secrets(world) if s and s.lower() in text]
            if path.startswith("/wp-json/"):
                assert response.json()["data"] is None
    assert got == expected, "\n" + "\n".join(
        f"  {caller:9} expected {expected[caller]} got {got[caller]}"
        for caller in CALLERS
        if got[caller] != expected[caller]
    )
    assert leaks.get("other", []) == []
