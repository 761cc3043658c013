"""The outbox's own periodic work (config/celery.py schedules it)."""

from __future__ import annotations

from celery import shared_task

from ops.outbox import purge_sent, requeue_unsent


@shared_task(acks_late=True)
def requeue_unsent_mail() -> int:
    """Queue again the mail whose task was lost; forget deliveries sent over 30 days ago."""
    purge_sent()
    return requeue_unsent()
