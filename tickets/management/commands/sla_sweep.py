"""Record SLA breaches once each (SlaBreach) and mail staff and the assignee about new ones.

The manual and emergency door to the task celery beat runs every 5 minutes
(tickets.tasks.sla_sweep): the same code. Idempotent: a breach already recorded is never recorded
or mailed again; `sla_status` itself is derived from times and needs no sweep to be current.
"""

from django.core.management.base import CommandParser

from accounts.commands import OrgCommand
from tickets.tasks import record_sla_breaches


class Command(OrgCommand):
    help = "Record each SLA breach once and notify staff (and the assignee)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Print, change nothing.")

    def handle(self, *args, dry_run: bool, org: int | None, **options) -> None:
        count = record_sla_breaches(
            org=self.organization(org), dry_run=dry_run, say=self.stdout.write
        )
        verb = "would record" if dry_run else "recorded"
        self.stdout.write(self.style.SUCCESS(f"{verb} {count} new SLA breach(es)."))
