"""What the operators' side keeps: the mail outbox and the tasks that finally failed.

Imports no app of the project (it sits with config at the bottom), so every app may use it.
"""

from __future__ import annotations

from django.db import models


class Delivery(models.Model):
    """One notification to send, written in the transaction that asked for it (a transactional
    outbox): it exists only if that transaction committed, the task that sends it locks the row
    and marks it sent, so a retry or a redelivery of the same task never mails twice, and a row
    still unsent long after (the broker was down at the commit) is queued again."""

    name = models.CharField(max_length=100)  # the notification function, e.g. ticket_created
    object_id = models.BigIntegerField()
    request_id = models.CharField(max_length=128, blank=True)
    queued_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        indexes = [
            # The requeue sweep reads only the unsent rows.
            models.Index(
                fields=["queued_at"],
                name="ops_delivery_unsent",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.object_id})"


class FailedTask(models.Model):
    """A task that failed for good (retries exhausted or an error not worth retrying), with
    its arguments, for staff to read and queue again from the admin."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, blank=True)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    exception = models.TextField()
    traceback = models.TextField(blank=True)
    request_id = models.CharField(max_length=128, blank=True)
    failed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-failed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"
