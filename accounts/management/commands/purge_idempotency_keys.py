"""Delete idempotency keys older than IDEMPOTENCY_KEY_TTL (cron, e.g. hourly).

Idempotent: a second run finds nothing more to delete. Expired keys are ignored by the API
anyway; this only keeps the table small.
"""

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.idempotency import ttl
from accounts.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print, change nothing.")

    @transaction.atomic
    def handle(self, *args, dry_run: bool, **options) -> None:
        expired = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl())
        count = expired.count()
        if dry_run:
            self.stdout.write(f"[dry-run] would delete {count} expired idempotency keys")
            return
        expired.delete()
        self.stdout.write(f"deleted {count} expired idempotency keys")
