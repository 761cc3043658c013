"""Close resolved service requests after N days (default TICKET_AUTO_CLOSE_DAYS, 7).

The manual and emergency door to the task celery beat runs daily
(tickets.tasks.close_resolved_tickets): the same code. Idempotent: a closed ticket is no longer
resolved, so a second run finds nothing. Each ticket is closed in its own transaction through
ticket_transition (history row, actor = the system).
"""

from django.conf import settings
from django.core.management.base import CommandParser

from accounts.commands import OrgCommand
from tickets.tasks import close_resolved


class Command(OrgCommand):
    help = "Close service requests resolved at least --days days ago (default 7)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--days",
            type=int,
            default=getattr(settings, "TICKET_AUTO_CLOSE_DAYS", 7),
            help="Days a request stays resolved before it closes (default: %(default)s).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Print, change nothing.")

    def handle(self, *args, days: int, dry_run: bool, org: int | None, **options) -> None:
        if days < 0:
            self.stderr.write("--days must be 0 or more.")
            return
        closed = close_resolved(
            days=days, org=self.organization(org), dry_run=dry_run, say=self.stdout.write
        )
        verb = "would close" if dry_run else "closed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {closed} service request(s)."))
