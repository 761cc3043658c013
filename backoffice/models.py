"""Back-office models: canned replies (macros) agents insert into the workspace's composer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class CannedReply(models.Model):
    """A saved answer: its body's placeholders are filled for the request it is inserted into;
    sending it may also move the request (e.g. wait for the client) and hand it to someone."""

    class Then(models.TextChoices):
        NOTHING = "", "Leave the status as it is"
        START = "start", "Start work"
        WAIT = "wait", "Wait for the client"
        RESOLVE = "resolve", "Resolve"

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField(
        help_text=(
            "Placeholders: {requester_name} {request_number} {request_title} {organization} "
            "{environment_url} {agent_name}."
        )
    )
    transition = models.CharField(
        "then", max_length=10, choices=Then.choices, blank=True, default=Then.NOTHING
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="Hand the request to this person when the reply is sent (optional).",
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "canned reply"
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title
