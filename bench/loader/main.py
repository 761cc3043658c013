"""The whole load in one transaction, its summary, and VACUUM ANALYZE afterwards."""

from __future__ import annotations

import time

from django.db import connection

from accounts.models import Organization
from bench.loader import entitlements, people
from bench.loader import tickets as ticket_rows
from bench.loader.bulk import DeferredChecks, quote
from bench.loader.context import Context
from bench.loader.shape import SLUG_PREFIX
from tickets.models import Ticket, TicketCategory

MODELS = [*people.MODELS, *entitlements.MODELS, *ticket_rows.MODELS]  # every table loaded


def already_loaded() -> str | None:
    """What is there when scale data was loaded before (the load is idempotent), else None."""
    existing = Organization.objects.filter(slug__startswith=SLUG_PREFIX)
    if not existing.exists():
        return None
    count = Ticket.objects.filter(organization__in=existing).count()
    return (
        f"Scale data already loaded ({existing.count():,} organizations, "
        f"{count:,} tickets); nothing to do."
    )


def load(ctx: Context) -> None:
    """Every table, in the caller's transaction; the counters advanced to the last number."""
    tables = ", ".join(quote(m._meta.db_table) for m in MODELS)
    with connection.cursor() as cursor:
        # Nobody else inserts (or takes a number) while ids and counters are reserved.
        cursor.execute(f"LOCK TABLE {tables}, sequences_sequence IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Check foreign keys as rows arrive rather than queueing every check to the commit
        # (a queued check also keeps a table from being altered, see DeferredChecks).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    targets = ticket_rows.all_targets()
    ctx.categories = [*TicketCategory.objects.values_list("id", flat=True), None]
    started = time.monotonic()
    people.load_people(ctx)
    ctx.timed("organizations and members", started)
    started = time.monotonic()
    entitlements.load_entitlements(ctx)
    ctx.timed("entitlements, environments, services", started)
    started = time.monotonic()
    with DeferredChecks(ticket_rows.MODELS):
        ticket_rows.load_tickets(ctx, targets)
        ctx.timed("tickets, replies, history", started)
        started = time.monotonic()
    ctx.timed("indexes and foreign keys", started)
    ctx.counters.save()


def vacuum(ctx: Context) -> None:
    """VACUUM ANALYZE every loaded table (outside the load's transaction)."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        for model in MODELS:
            cursor.execute(f"VACUUM ANALYZE {quote(model._meta.db_table)}")
    ctx.timed("vacuum analyze", started)


def summary(ctx: Context) -> str:
    """Rows per table, then seconds per step."""
    lines = [f"{t.model._meta.label:<40} {t.rows:>12,} rows" for t in ctx.tables.values()]
    lines += [f"{name:<40} {secs:>11.1f}s" for name, secs in ctx.timings.items()]
    return "\n".join(lines)
