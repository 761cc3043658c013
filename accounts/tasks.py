"""Account work for the Celery workers; `purge_idempotency_keys` (the command) runs the same code."""

from __future__ import annotations

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.idempotency import ttl
from accounts.models import IdempotencyKey


@transaction.atomic
def purge_expired_keys(*, dry_run: bool = False) -> int:
    """Delete Idempotency-Key records older than IDEMPOTENCY_KEY_TTL (the API ignores them
    anyway; this keeps the table small). Returns how many were (or would be) deleted."""
    expired = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl())
    count = expired.count()
    if not dry_run:
        expired.delete()
    return count


@shared_task(acks_late=True)
def purge_idempotency_keys() -> int:
    """Beat, hourly: purge expired idempotency keys."""
    return purge_expired_keys()
