"""The word search of requests is served by trigram indexes (tickets migration 0010).

The indexes are on the very expressions Django writes for `icontains` on PostgreSQL; if either
side changed spelling, the planner could no longer use them, which is what the plan check catches.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tickets.api.filters import TicketFilter
from tickets.models import Ticket

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tickets_ticket' "
            "AND indexdef LIKE '%%gin_trgm_ops%%'"
        )
        found = dict(cursor.fetchall())
    assert set(found) == {"ticket_title_trgm", "ticket_number_trgm"}
    assert "upper((title)::text)" in found["ticket_title_trgm"]


def test_the_search_filter_can_use_them():
    searched = TicketFilter({"search": "export"}, queryset=Ticket.objects.all()).qs
    sql, params = searched.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # an empty table would be read whole
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_title_trgm" in plan
    assert "ticket_number_trgm" in plan
