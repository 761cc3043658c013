"""The audit trail: every change that is not a lifecycle transition (those are the history rows).

Assignment, field edits with old and new values, priority, rating, membership and role changes,
deletions: each action that makes one writes an `AuditEntry` in its own transaction
(audit.record). `internal` entries are for staff only; the others are shown to the subject's
organization beside its status history.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class AuditEntry(models.Model):
    """One change: who changed what on which object, with each field's old and new value."""

    class Action(models.TextChoices):
        UPDATE = "update", "Fields changed"
        ASSIGN = "assign", "Assigned"
        RATE = "rate", "Rated"
        DELETE = "delete", "Deleted"
        MEMBER_ADD = "member_add", "Member added"
        MEMBER_CHANGE = "member_change", "Member changed"
        MEMBER_REMOVE = "member_remove", "Member removed"

    organization = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,  # an organization's deletion is itself audited: keep the rows
        related_name="audit_entries",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.BigIntegerField()
    # What the object was called, kept for deleted objects ("SR-20260042", "ana@acme.example").
    object_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    # {"field": [old, new]}, values as JSON (ids for relations, ISO strings for times).
    changes = models.JSONField(default=dict, blank=True)
    internal = models.BooleanField(default=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "created_at"], name="audit_subject_time"
            ),
            models.Index(fields=["organization", "-created_at"], name="audit_org_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.object_label or self.object_id}"
