"""Trigram indexes for the word search of requests (API `?search=`, the portal, the admin queue).

`title__icontains` / `number__icontains` are `UPPER(col) LIKE UPPER('%word%')` on PostgreSQL, which
no B-tree serves: a search read the organization's whole ticket heap (113 ms for 20,000 requests in
a 1,000,000-request database). GIN trigram indexes on the same expressions serve it (40 ms for a
word in 5 % of the titles, under 1 ms for a rare one). pg_trgm is a trusted extension (PostgreSQL
13+): the database owner may create it. Built CONCURRENTLY, outside a transaction, so writes go on
while a large table is indexed. Nothing to do on SQLite (the development database).
"""

from django.db import migrations

INDEXES = {
    "ticket_title_trgm": "UPPER(title::text) gin_trgm_ops",
    "ticket_number_trgm": "UPPER(number::text) gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON tickets_ticket USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0009_cannedreply_sources"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
