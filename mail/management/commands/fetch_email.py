"""`manage.py fetch_email`: poll the IMAP mailboxes staff configure (meant for the scheduler).

Idempotent: a handled message is flagged \\Seen or moved, and its Message-ID is recorded in the
same transaction as the reply, so a run that dies half-way never handles a message twice.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mail.fetching import fetch_all


class Command(BaseCommand):
    help = "Fetch unseen mail from the active IMAP mailboxes and handle each message once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", action="append", help="Only this mailbox (by name).")
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be handled; change nothing."
        )

    def handle(self, *args: object, **options: object) -> None:
        reports = fetch_all(names=options["mailbox"], dry_run=bool(options["dry_run"]))
        failed = []
        for report in reports:
            self.stdout.write(f"{report.mailbox}: {len(report.handled)} message(s)")
            for line in report.handled:
                self.stdout.write(f"  {line}")
            if report.error:
                self.stderr.write(f"{report.mailbox}: {report.error}")
                failed.append(report.mailbox)
        if failed:
            raise CommandError(f"Mailboxes with errors: {', '.join(failed)}")
