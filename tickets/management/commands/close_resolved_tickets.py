"""Close resolved service requests after N days (default TICKET_AUTO_CLOSE_DAYS, 7).

Idempotent: a closed ticket is no longer resolved, so a second run finds nothing. Each ticket is
closed in its own transaction through ticket_transition (history row, actor = the system).
"""

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from accounts.commands import OrgCommand
from config.errors import DomainError
from tickets.actions import ticket_transition
from tickets.queries import tickets_to_autoclose


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
        tickets = tickets_to_autoclose(days, timezone.now()).for_org(self.organization(org))
        closed = 0
        prefix = "[dry-run] would close" if dry_run else "closed"
        for ticket in tickets.iterator():
            if not dry_run:
                try:
                    ticket_transition(
                        ticket=ticket,
                        name="close",
                        actor=None,
                        reason=f"Closed automatically {days} days after resolution.",
                    )
                except DomainError as exc:  # reopened meanwhile: leave it
                    self.stdout.write(f"skipped {ticket.number}: {exc.detail}")
                    continue
            closed += 1
            self.stdout.write(f"{prefix} {ticket.number} (resolved {ticket.resolved_at:%Y-%m-%d})")
        verb = "would close" if dry_run else "closed"
        self.stdout.write(self.style.SUCCESS(f"{verb} {closed} service request(s)."))
