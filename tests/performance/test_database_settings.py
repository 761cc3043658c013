"""PostgreSQL connection settings the benchmark's figures depend on (config/settings.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.conftest import API, client_for


@pytest.mark.postgres
@pytest.mark.django_db
def test_statements_are_prepared_but_planned_for_their_own_values(member, org):
    """Server-side binding lets psycopg prepare the API's statements; each execution must still
    get a plan for its values. A generic plan, chosen by PostgreSQL after five runs and shared by
    every organization and filter, walked a large organization's whole ticket index for a
    filtered page (97 ms instead of 1 ms at a million tickets)."""
    assert connection.features.uses_server_side_binding
    api = client_for(member, org)
    for _ in range(7):  # past psycopg's prepare threshold and PostgreSQL's five custom plans
        response = api.get(f"{API}/tickets?status=open,waiting&priority=high")
        assert response.status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone()[0] > 0  # the requests above were prepared on this connection
