"""Expire active or suspended entitlements whose expires_at has passed.

The manual and emergency door to the task celery beat runs hourly
(entitlements.tasks.expire_entitlements): the same code.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from accounts.commands import OrgCommand
from entitlements.tasks import expire_due


class Command(OrgCommand):
    help = (
        "Move active or suspended entitlements whose expires_at has passed to expired, through "
        "the same action as the API (history row, environment cascade). Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        changed = expire_due(
            org=self.organization(options["org"]), dry_run=dry_run, say=self.stdout.write
        )
        verb = "would be expired" if dry_run else "expired"
        self.stdout.write(f"{changed} entitlement(s) {verb}.")
