"""Load demo data, idempotently, and print the demo logins."""

import importlib.util

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.module_loading import import_string

from accounts.demo import CLIENT_EMAIL, DEMO_PASSWORD, STAFF_EMAIL

# Each app's demo loader, in dependency order: load(log, context) -> context additions.
LOADERS = [
    "accounts.demo.load",
    "entitlements.demo.load",
    "environments.demo.load",
    "services.demo.load",
    "tickets.demo.load",
]


class _DryRun(Exception):
    """Raised at the end of a dry run so the transaction rolls everything back."""


def _loader(dotted: str):
    """The app's loader, or None when the app has no demo module yet.

    Only a missing demo module is skipped: an ImportError inside an existing one is a bug and
    must surface, not silently leave the app without demo data.
    """
    module, _, _name = dotted.rpartition(".")
    if importlib.util.find_spec(module) is None:
        return None
    return import_string(dotted)


class Command(BaseCommand):
    help = "Load demo organizations, users, entitlements, environments, services and tickets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be loaded, then roll everything back.",
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        try:
            with transaction.atomic():
                self._load()
                if dry_run:
                    raise _DryRun
        except _DryRun:
            self.stdout.write(self.style.WARNING("Dry run: nothing was saved."))
            return
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        self.stdout.write(f"  staff  (admin at /admin/, API): {STAFF_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  client (API, organization Acme Learning): {CLIENT_EMAIL} / {DEMO_PASSWORD}"
        )

    def _load(self) -> None:
        context: dict = {}
        for dotted in LOADERS:
            loader = _loader(dotted)
            if loader is None:
                continue
            result = loader(self.stdout.write, context)
            context.update(result or {})
