"""Entitlement work for the Celery workers; `expire_entitlements` (the command) runs the same code."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.utils import timezone

from accounts.models import Organization
from entitlements.actions import entitlement_expire_if_due
from entitlements.queries import entitlement_list_past_expiry

logger = logging.getLogger("entitlements.tasks")


def expire_due(
    *,
    org: Organization | None = None,
    dry_run: bool = False,
    say: Callable[[str], Any] = logger.info,
) -> int:
    """Expire active or suspended entitlements past expires_at, each in its own transaction
    through the API's action (history row, environment cascade), re-checked under the row lock."""
    now = timezone.now()
    changed = 0
    for entitlement in entitlement_list_past_expiry(now=now, org=org):
        line = (
            f"{entitlement.code} ({entitlement.organization or 'standalone'}): "
            f"{entitlement.status} -> expired "
            f"(expires_at {entitlement.expires_at:%Y-%m-%dT%H:%M:%SZ})"
        )
        if dry_run:
            say(f"[dry-run] would expire {line}")
        elif entitlement_expire_if_due(entitlement=entitlement, now=now) is not None:
            say(f"expired {line}")
        else:
            continue  # renewed or cancelled since the list was read
        changed += 1
    return changed


@shared_task(acks_late=True)
def expire_entitlements() -> int:
    """Beat, hourly: expire what is past its expires_at."""
    return expire_due()
