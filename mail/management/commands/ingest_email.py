"""`manage.py ingest_email`: one RFC 822 message on standard input, as an MTA pipe delivers it.

Exit status 0 when the message was handled or deliberately ignored (the MTA forgets it), 75
(EX_TEMPFAIL) only on a temporary failure, so the MTA keeps the message and retries.
"""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from mail import inbound

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Handle one e-mail message read from standard input (an MTA pipe transport)."
    requires_system_checks: list[str] = []  # run once per delivered message: start fast

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--recipient",
            action="append",
            default=[],
            help="The envelope recipient (e.g. Postfix's ${original_recipient}); repeatable.",
        )

    def handle(self, *args: object, **options: object) -> None:
        # Read one byte more than allowed: a huge message is refused without reading it all.
        raw = sys.stdin.buffer.read(settings.MAIL_INBOUND_MAX_BYTES + 1)
        try:
            result = inbound.handle(
                raw, door=inbound.Door.PIPE, envelope_to=list(options["recipient"])
            )
        except inbound.TemporaryFailure as exc:
            self.stderr.write(f"temporary failure, try again later: {exc}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{result.outcome}{f': {result.reason}' if result.reason else ''}")
