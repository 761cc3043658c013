"""IMAP mailboxes staff configure, and every inbound message recorded once with its outcome."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from tickets.models import Reply, Ticket


class Mailbox(models.Model):
    """An IMAP folder `fetch_email` polls; the password is write-only in the admin."""

    class Security(models.TextChoices):
        SSL = "ssl", "TLS (IMAPS, usually port 993)"
        STARTTLS = "starttls", "STARTTLS (usually port 143)"
        NONE = "none", "None (loopback or tests only)"

    name = models.CharField(max_length=80, unique=True)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.SSL)
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(
        max_length=200,
        blank=True,
        help_text="Move handled mail here; empty: flag it as seen and leave it in the folder.",
    )
    username = models.CharField(max_length=255)
    password = models.CharField(max_length=255)
    is_active = models.BooleanField(default=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "mailboxes"

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host}/{self.folder})"


class InboundMessage(models.Model):
    """A message that came in, recorded once by its Message-ID: a redelivery changes nothing.

    The raw message stays here for staff (the reply holds only the new text)."""

    class Door(models.TextChoices):
        PIPE = "pipe", "MTA pipe (ingest_email)"
        IMAP = "imap", "IMAP (fetch_email)"
        WEBHOOK = "webhook", "Webhook"

    class Outcome(models.TextChoices):
        REPLY = "reply", "Reply added"
        REOPENED = "reopened", "Reply added, request reopened"
        CREATED = "created", "Request opened"
        FOLLOW_UP = "follow_up", "New request for a closed one"
        ASKED = "asked", "Answered: which environment?"
        IGNORED = "ignored", "Ignored"

    message_id = models.CharField(max_length=255, unique=True)
    door = models.CharField(max_length=10, choices=Door.choices)
    mailbox = models.ForeignKey(
        Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    sender = models.CharField(max_length=255, blank=True)
    recipients = models.TextField(blank=True)
    subject = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.CharField(max_length=255, blank=True)
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    text = models.TextField(blank=True, help_text="The whole decoded text, quotes included.")
    html = models.TextField(blank=True, help_text="The HTML part, sanitized (nh3).")
    raw = models.BinaryField(help_text="The message as received.")
    size = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["sender", "received_at"], name="inbound_sender_received")]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.outcome})"
