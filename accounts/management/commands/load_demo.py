"""Load demo data, idempotently, and print the demo logins."""

from django.core.management.base import BaseCommand
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


class Command(BaseCommand):
    help = "Load demo organizations, users, entitlements, environments, services and tickets."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        context: dict = {}
        for dotted in LOADERS:
            try:
                loader = import_string(dotted)
            except ImportError:
                continue  # an app without demo data yet
            result = loader(self.stdout.write, context)
            context.update(result or {})
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        self.stdout.write(f"  staff  (admin at /admin/, API): {STAFF_EMAIL} / {DEMO_PASSWORD}")
        self.stdout.write(
            f"  client (API, organization Acme Learning): {CLIENT_EMAIL} / {DEMO_PASSWORD}"
        )
