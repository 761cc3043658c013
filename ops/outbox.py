"""Mail that is sent once: queued with the transaction that asked for it, sent by a task.

`enqueue(name, object_id)` writes a Delivery row in the current transaction and, once that
transaction commits, queues the Celery task `tickets.tasks.notify(name, object_id, delivery_id)`
(in process when no broker is configured). The task runs `deliver_once(delivery_id)`: under the
row's lock it sends only if the row is not marked sent, and marks it sent in the same
transaction, so a retry, a redelivery after a worker died, or a second worker holding the same
message sends nothing more. A worker killed while sending rolls the transaction back with its
connection and the message is delivered again later (acks_late). Only a worker killed between
the mail server's acceptance and the commit (milliseconds) can make a duplicate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from config.celery import app
from ops.context import request_id
from ops.models import Delivery

logger = logging.getLogger("ops.outbox")
NOTIFY_TASK = "tickets.tasks.notify"


def enqueue(name: str, object_id: int) -> Delivery:
    """Record a notification to send; queue its task once the current transaction commits."""
    delivery = Delivery.objects.create(name=name, object_id=object_id, request_id=request_id())
    transaction.on_commit(lambda: queue(delivery))
    return delivery


def queue(delivery: Delivery) -> None:
    """Queue the delivery's task; a broker outage is logged, the requeue sweep tries again."""
    try:
        app.signature(
            NOTIFY_TASK, args=(delivery.name, delivery.object_id, delivery.pk)
        ).apply_async(headers={"request_id": delivery.request_id} if delivery.request_id else None)
    except Exception:  # the change is committed; the row waits for requeue_unsent()
        logger.exception("could not queue %s; requeue_unsent_mail will", delivery)


@contextmanager
def deliver_once(delivery_id: int | None) -> Iterator[bool]:
    """Yield whether to send (the row exists and is unsent), holding its lock; mark it sent when
    the block ends without an error. An error rolls back, leaving it unsent for the retry."""
    with transaction.atomic():
        row = (
            Delivery.objects.select_for_update().filter(pk=delivery_id).first()
            if delivery_id is not None
            else None
        )
        if row is not None and row.sent_at is not None:
            logger.info("%s already sent; nothing to do", row)
            yield False
            return
        yield True
        if row is not None:
            row.sent_at = timezone.now()
            row.save(update_fields=["sent_at"])


def mark_failed(delivery_id: int | None) -> None:
    """The delivery's task gave up: the requeue sweep leaves it to staff (FailedTask)."""
    if delivery_id is not None:
        Delivery.objects.filter(pk=delivery_id, sent_at__isnull=True).update(
            failed_at=timezone.now()
        )


def requeue_unsent(*, older_than: timedelta = timedelta(minutes=30)) -> int:
    """Queue again every delivery unsent for longer than any retry chain takes (its first queueing
    was lost: the broker was down at the commit, say) and not given up on."""
    now = timezone.now()
    rows = Delivery.objects.filter(
        sent_at__isnull=True,
        failed_at__isnull=True,
        queued_at__lt=now - older_than,
        queued_at__gte=now - timedelta(days=2),
    ).order_by("queued_at")
    count = 0
    for delivery in rows.iterator():
        queue(delivery)
        count += 1
    return count


def purge_sent(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Delete deliveries sent long ago (no redelivery can be that late)."""
    deleted, _ = Delivery.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
