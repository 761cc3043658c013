"""Delete idempotency keys older than IDEMPOTENCY_KEY_TTL.

The manual and emergency door to the task celery beat runs hourly
(accounts.tasks.purge_idempotency_keys): the same code. Idempotent: a second run finds nothing.
"""

from django.core.management.base import BaseCommand, CommandParser

from accounts.tasks import purge_expired_keys


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print, change nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        count = purge_expired_keys(dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"[dry-run] would delete {count} expired idempotency keys")
        else:
            self.stdout.write(f"deleted {count} expired idempotency keys")
