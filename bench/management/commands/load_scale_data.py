"""Load a realistic data set at scale, fast: `manage.py load_scale_data --tickets 100000`.

The loader lives beside the benchmark that uses it (bench/loader/, whose docstring describes the
data set); this command parses the options, runs it in one transaction and reports.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from bench.loader import CLIENT_EMAIL, PASSWORD, STAFF_EMAIL
from bench.loader.context import Context
from bench.loader.main import already_loaded, load, summary, vacuum


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Load organizations, members, entitlements of every class, environments, services and "
        "--tickets service requests with replies and history, fast (PostgreSQL COPY)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, default=100_000, help="default %(default)s")
        parser.add_argument(
            "--orgs", type=int, default=None, help="organizations (default: tickets / 250)"
        )
        parser.add_argument(
            "--days", type=int, default=730, help="tickets spread over the last N days"
        )
        parser.add_argument("--seed", type=int, default=7, help="random seed (same data again)")
        parser.add_argument(
            "--no-vacuum", action="store_true", help="skip VACUUM ANALYZE after the load"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="load, report, then roll everything back"
        )

    def handle(self, *args, **opts) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("load_scale_data needs PostgreSQL (it loads with COPY).")
        n = opts["tickets"]
        if n < 1:
            raise CommandError("--tickets must be at least 1.")
        loaded = already_loaded()
        if loaded:
            self.stdout.write(loaded)
            return
        started = time.monotonic()
        ctx = Context(
            tickets=n,
            orgs=opts["orgs"] or max(3, round(n / 250)),
            days=max(opts["days"], 1),
            seed=opts["seed"],
            progress_stream=self.stderr._out,
        )
        try:
            with transaction.atomic():
                load(ctx)
                if opts["dry_run"]:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(summary(ctx))
            self.stdout.write(self.style.WARNING("Dry run: everything was rolled back."))
            return
        if not opts["no_vacuum"]:
            vacuum(ctx)
        self.stdout.write(summary(ctx))
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded in {time.monotonic() - started:.1f}s. Client: {CLIENT_EMAIL}, "
                f"staff: {STAFF_EMAIL}, password: {PASSWORD}"
            )
        )
