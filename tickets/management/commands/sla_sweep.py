"""Record SLA breaches once each (SlaBreach) and mail staff and the assignee about new ones.

Idempotent: a breach already recorded is never recorded or mailed again. Run it from cron every
few minutes; `sla_status` itself is derived from times and needs no sweep to be current.
"""

from django.core.management.base import CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.commands import OrgCommand
from tickets.actions import ticket_record_breaches
from tickets.queries import breach_candidates
from tickets.sla import breaches


class Command(OrgCommand):
    help = "Record each SLA breach once and notify staff (and the assignee)."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--dry-run", action="store_true", help="Print, change nothing.")

    def handle(self, *args, dry_run: bool, org: int | None, **options) -> None:
        now = timezone.now()
        tickets = breach_candidates(now).for_org(self.organization(org))
        tickets = tickets.prefetch_related("breaches")
        count = 0
        for ticket in tickets:
            if dry_run:
                known = {b.kind for b in ticket.breaches.all()}
                new = [(kind, due) for kind, due in breaches(ticket, now) if kind not in known]
                for kind, due in new:
                    self.stdout.write(
                        f"[dry-run] would record {kind} breach of {ticket.number} "
                        f"(due {due:%Y-%m-%d %H:%M})"
                    )
                count += len(new)
                continue
            with transaction.atomic():
                recorded = ticket_record_breaches(ticket=ticket, now=now)
            for breach in recorded:
                self.stdout.write(
                    f"recorded {breach.kind} breach of {ticket.number} "
                    f"(due {breach.due_at:%Y-%m-%d %H:%M})"
                )
            count += len(recorded)
        verb = "would record" if dry_run else "recorded"
        self.stdout.write(self.style.SUCCESS(f"{verb} {count} new SLA breach(es)."))
