"""Expire active or suspended entitlements whose expires_at has passed (cron: hourly or daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.utils import timezone

from accounts.commands import OrgCommand
from entitlements.actions import entitlement_expire_if_due
from entitlements.queries import entitlement_list_past_expiry


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
        organization = self.organization(options["org"])
        now = timezone.now()
        changed = 0
        for entitlement in entitlement_list_past_expiry(now=now, org=organization):
            line = (
                f"{entitlement.code} ({entitlement.organization or 'standalone'}): "
                f"{entitlement.status} -> expired "
                f"(expires_at {entitlement.expires_at:%Y-%m-%dT%H:%M:%SZ})"
            )
            if dry_run:
                self.stdout.write(f"[dry-run] would expire {line}")
            # Each one is its own transaction, re-checked under the row lock.
            elif entitlement_expire_if_due(entitlement=entitlement, now=now) is not None:
                self.stdout.write(f"expired {line}")
            else:
                continue  # renewed or cancelled since the list was read
            changed += 1
        verb = "would be expired" if dry_run else "expired"
        self.stdout.write(f"{changed} entitlement(s) {verb}.")
