"""Service requests (tickets): numbers, lifecycle, conversation, rating and the SLA clock."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from accounts.models import Organization, OrgOwnedModel, OrgQuerySet, status_history
from accounts.tenancy import is_staff
from entitlements.models import Entitlement, Priority, SlaTier
from environments.models import Environment
from services.models import Service
from tickets.expressions import (
    nearest_due,
    priority_rank,
    queue_rank,
    sla_status_expression,
)


class TicketCategory(models.Model):
    """The ticket `type` (seed 003): a category staff manage, e.g. Payment, Hosting, Upgrade."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "request category"
        verbose_name_plural = "request categories"

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """Staff-editable targets: minutes to first response and to resolution per tier and priority."""

    tier = models.CharField(max_length=20, choices=SlaTier.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["tier", "priority"]
        verbose_name = "SLA target"
        constraints = [
            models.UniqueConstraint(fields=["tier", "priority"], name="sla_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier}/{self.priority}"


def staff_only(ticket: Ticket, user) -> bool:
    """start and wait are the desk's work: MIDDAG staff (or the system) only."""
    return is_staff(user)


def may_cancel(ticket: Ticket, user) -> bool:
    """Clients cancel a request until it is resolved; a resolved one is closed or reopened."""
    return is_staff(user) or ticket.status != Ticket.Status.RESOLVED


class TicketQuerySet(OrgQuerySet):
    """Organization scoping plus the SLA annotation, so `sla_status` is filterable and current."""

    def with_sla_status(self, now: datetime | None = None) -> TicketQuerySet:
        """Annotate `sla_status` (on_track, at_risk, breached, paused, met, none) as of `now`."""
        return self.annotate(sla_status=sla_status_expression(now or timezone.now()))

    def with_priority_rank(self) -> TicketQuerySet:
        """Annotate `priority_rank` (low 1 … urgent 4) so ordering by priority means urgency."""
        return self.annotate(priority_rank=priority_rank())

    def with_related_names(self) -> TicketQuerySet:
        """Annotate `entitlement_code` and `category_name`, read in the same query.

        Subqueries in the select list rather than joins: they are evaluated for the rows
        returned only, and a page picked by id (EnvelopePagination's deep pages) needs no join.
        Unordered (each matches one row by primary key): the models' default ordering would
        add a sort to every plan.
        """
        return self.annotate(
            entitlement_code=Subquery(
                Entitlement.objects.filter(pk=OuterRef("entitlement_id"))
                .order_by()
                .values("code")[:1]
            ),
            category_name=Subquery(
                TicketCategory.objects.filter(pk=OuterRef("category_id"))
                .order_by()
                .values("name")[:1]
            ),
        )

    def unresolved(self) -> TicketQuerySet:
        """Open, in progress or waiting: the desk still owes an answer."""
        return self.filter(
            status__in=[Ticket.Status.OPEN, Ticket.Status.IN_PROGRESS, Ticket.Status.WAITING]
        )

    def overdue(self, now: datetime | None = None) -> TicketQuerySet:
        """Unresolved and past the agreed `due_at` or in breach of the SLA."""
        now = now or timezone.now()
        qs = self.unresolved()
        if "sla_status" not in qs.query.annotations:
            qs = qs.with_sla_status(now)
        return qs.filter(Q(due_at__lt=now) | Q(sla_status="breached"))


class Ticket(ConcurrentTransitionMixin, OrgOwnedModel):
    transition_noun = "service request"  # what a refused transition calls it (config.fsm)

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        WAITING = "waiting", "Waiting"
        RESOLVED = "resolved", "Resolved"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        ACCOUNT = "account", "Account API"
        ADMIN = "admin", "Back office"
        ISP = "isp", "ISP ticket API"
        HELPDESK = "helpdesk", "Helpdesk ticket API"
        PORTAL = "portal", "Client portal"
        EMAIL = "email", "E-mail"

    NON_TERMINAL = [Status.OPEN, Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED]

    number = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField()
    status = FSMField(max_length=20, choices=Status.choices, default=Status.OPEN, protected=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    category = models.ForeignKey(
        TicketCategory, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="tickets")
    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="tickets")
    environment = models.ForeignKey(
        Environment, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ACCOUNT)
    due_at = models.DateTimeField(null=True, blank=True, help_text="A date agreed with the client.")
    # SLA clock. Due times move forward by the time spent waiting (credited when the clock resumes).
    response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    # When less than 25 % of the target is left (due time minus a quarter of the target).
    response_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolution_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution_type = models.CharField(max_length=80, blank=True)
    resolution_subject = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "service request"
        indexes = [
            models.Index(fields=["organization", "-created_at", "-id"], name="tkt_org_created"),
            models.Index(fields=["-created_at", "-id"], name="tkt_created"),
            models.Index(fields=["organization", "status", "-created_at"], name="tkt_org_status"),
            models.Index(fields=["organization", "priority"], name="tkt_org_priority"),
            # An organization's queue by status and priority (?status=open,waiting&priority=high):
            # the count and the page read only the matching entries, however large the history.
            models.Index(
                fields=["organization", "status", "priority"], name="tkt_org_status_priority"
            ),
            models.Index(fields=["entitlement", "-created_at"], name="tkt_entitlement"),
            models.Index(fields=["environment", "-created_at"], name="tkt_environment"),
            models.Index(fields=["service", "-created_at"], name="tkt_service"),
            models.Index(fields=["assignee", "status"], name="tkt_assignee"),
            models.Index(fields=["status", "resolution_due_at"], name="tkt_status_due"),
            models.Index(fields=["status", "resolved_at"], name="tkt_status_resolved"),
            models.Index(fields=["organization", "assignee"], name="tkt_org_assignee"),
            models.Index(fields=["organization", "-updated_at"], name="tkt_org_updated"),
            models.Index(fields=["status", "response_due_at"], name="tkt_status_response_due"),
            models.Index(fields=["due_at"], name="tkt_due"),
            # The desk's queue across organizations: ?status=...&priority=... (and its count).
            models.Index(fields=["status", "priority"], name="tkt_status_priority"),
            # ?ordering=priority / -priority (id breaks ties the same way): staff's list, and an
            # organization's. `priority` last lets deep pages pick their ids from the index only.
            models.Index(priority_rank(), F("id"), F("priority"), name="tkt_priority_rank"),
            models.Index(
                F("organization"),
                priority_rank(),
                F("id"),
                F("priority"),
                name="tkt_org_priority_rank",
            ),
            # The back office's queues in urgency order (all, and one person's or nobody's).
            models.Index(queue_rank(), nearest_due(), F("id"), name="tkt_queue_urgency"),
            models.Index(
                F("assignee"), queue_rank(), nearest_due(), F("id"), name="tkt_assignee_urgency"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="ticket_rating_1_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # The SLA clock. Touches this row only; the actions call these around transitions.

    def pause_clock(self, now: datetime) -> None:
        """Stop the clock (waiting on the client or a third party)."""
        self.paused_at = now

    def credit(self, seconds: int) -> None:
        """Move the running clocks forward by `seconds` of time the desk did not owe."""
        if seconds <= 0:
            return
        delta = timedelta(seconds=seconds)
        if self.first_response_at is None:
            self.response_due_at = self.response_due_at and self.response_due_at + delta
            self.response_risk_at = self.response_risk_at and self.response_risk_at + delta
        self.resolution_due_at = self.resolution_due_at and self.resolution_due_at + delta
        self.resolution_risk_at = self.resolution_risk_at and self.resolution_risk_at + delta
        self.paused_seconds += seconds

    def resume_clock(self, now: datetime) -> None:
        """Restart a paused clock, crediting the paused time to the due times."""
        if self.paused_at is not None:
            self.credit(max(0, int((now - self.paused_at).total_seconds())))
            self.paused_at = None

    # Transitions touch this row only; actions lock, record history and mail.

    @transition(
        field=status,
        source=[Status.OPEN, Status.WAITING],
        target=Status.IN_PROGRESS,
        permission=staff_only,
    )
    def start(self) -> None:
        self.resume_clock(timezone.now())

    @transition(
        field=status, source=Status.IN_PROGRESS, target=Status.WAITING, permission=staff_only
    )
    def wait(self) -> None:
        self.pause_clock(timezone.now())

    @transition(
        field=status,
        source=[Status.OPEN, Status.IN_PROGRESS, Status.WAITING],
        target=Status.RESOLVED,
    )
    def resolve(self) -> None:
        """Staff resolve; a requester's organization may also mark its request solved (the
        helpdesk API's close_ticket does exactly that)."""
        now = timezone.now()
        self.resume_clock(now)
        self.resolved_at = now

    @transition(field=status, source=Status.RESOLVED, target=Status.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=status, source=Status.RESOLVED, target=Status.OPEN)
    def reopen(self) -> None:
        # The clock stood still while the client looked at the solution: credit that time.
        now = timezone.now()
        if self.resolved_at is not None:
            self.credit(max(0, int((now - self.resolved_at).total_seconds())))
        self.resolved_at = None

    @transition(field=status, source=NON_TERMINAL, target=Status.CANCELLED, permission=may_cancel)
    def cancel(self) -> None:
        now = timezone.now()
        self.resume_clock(now)
        self.closed_at = now


class TicketCount(models.Model):
    """How many tickets an organization has, kept exact by PostgreSQL triggers on the ticket
    table (migration 0004): an unfiltered list reads its total here instead of counting rows,
    a cost that grows with the table. Other databases have no triggers and count rows."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    tickets = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.tickets} tickets"


class Reply(models.Model):
    """A message in a ticket's conversation; internal notes are for staff eyes only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField()
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "replies"
        indexes = [models.Index(fields=["ticket", "created_at"], name="reply_ticket_created")]

    def __str__(self) -> str:
        return f"Reply {self.pk} on {self.ticket_id}"


TicketStatusChange = status_history(Ticket, "tkt_history_subject")


class SlaBreach(models.Model):
    """A breach recorded once by `sla_sweep`, for notifications and reports."""

    class Kind(models.TextChoices):
        RESPONSE = "response", "First response"
        RESOLUTION = "resolution", "Resolution"

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = "SLA breach"
        constraints = [models.UniqueConstraint(fields=["ticket", "kind"], name="sla_breach_once")]

    def __str__(self) -> str:
        return f"{self.kind} breach of {self.ticket_id}"


class TicketDeletion(models.Model):
    """Audit record of a deleted ticket (the ISP API deletes); the ticket's rows are gone."""

    number = models.CharField(max_length=20, db_index=True)
    title = models.CharField(max_length=200)
    organization_id = models.BigIntegerField(db_index=True)
    entitlement_code = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20)
    replies_count = models.PositiveIntegerField(default=0)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.number} deleted"


class _AttachmentStorage(Storage):
    """STORAGES["attachments"], looked up on every use: a settings change (tests) applies."""

    def __getattribute__(self, name: str):
        return getattr(storages["attachments"], name)


def attachment_storage() -> Storage:
    """The storage of attachment files: STORAGES["attachments"] (a private folder, or S3)."""
    return _AttachmentStorage()


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random storage name under the organization: the client's filename never names a file."""
    now = instance.created_at or timezone.now()
    return f"{instance.organization_id}/{now:%Y/%m}/{uuid.uuid4().hex}"


class Attachment(OrgOwnedModel):
    """A file sent with a request's description, a reply or an internal note (then internal)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="attachments"
    )
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    # None: the file came with the request's own description.
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(storage=attachment_storage, upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255, help_text="The sanitized original filename.")
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=100, help_text="Detected from the content.")
    sha256 = models.CharField(max_length=64)
    internal = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="attachment_ticket_created"),
            models.Index(fields=["organization", "created_at"], name="attachment_org_created"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.size} bytes) on {self.ticket_id}"


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
