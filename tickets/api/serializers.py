"""Input and output shapes of the service request endpoints (seed 000, seed 001, SPEC §4).

Id inputs are resolved against querysets scoped to the caller's organization (staff without the
header: every organization), so another organization's id is a 422, never honoured.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import tenancy
from accounts.access import ScopedIdField
from accounts.models import Organization, User
from entitlements.models import Entitlement
from environments.models import Environment
from services.models import Service
from tickets.models import Attachment, Priority, Reply, Ticket, TicketCategory
from tickets.sla import SLA_STATUSES, current_sla_status

# Fields no client may set on a ticket; they are ignored when sent to POST /tickets.
SYSTEM_FIELDS = (
    "id",
    "number",
    "status",
    "organization_id",
    "sla_status",
    "response_due_at",
    "resolution_due_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "rating",
    "created_at",
    "updated_at",
)


class TicketSerializer(serializers.ModelSerializer):
    """A service request as SPEC §4 lists its fields, plus its category as `type`."""

    sla_status = serializers.SerializerMethodField()
    entitlement_id = serializers.IntegerField(read_only=True)
    entitlement_code = serializers.CharField(read_only=True)  # with_related_names()
    environment_id = serializers.IntegerField(read_only=True, allow_null=True)
    service_id = serializers.IntegerField(read_only=True, allow_null=True)
    organization_id = serializers.IntegerField(read_only=True)
    requester_id = serializers.IntegerField(read_only=True)
    assignee_id = serializers.IntegerField(read_only=True, allow_null=True)
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    type = serializers.CharField(source="category_name", read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "title",
            "description",
            "status",
            "priority",
            "sla_status",
            "entitlement_id",
            "entitlement_code",
            "environment_id",
            "service_id",
            "organization_id",
            "requester_id",
            "assignee_id",
            "due_at",
            "response_due_at",
            "resolution_due_at",
            "first_response_at",
            "resolved_at",
            "closed_at",
            "rating",
            "category_id",
            "type",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SLA_STATUSES))
    def get_sla_status(self, ticket: Ticket) -> str:
        return current_sla_status(ticket)

    def to_representation(self, ticket: Ticket) -> dict:
        """The fields above, written out: DRF's field-by-field walk cost more than the rest of
        a list page. tests/performance/test_serializers.py holds it equal to DRF's output."""
        if not hasattr(ticket, "entitlement_code"):  # not read through with_related_names()
            ticket.entitlement_code = ticket.entitlement.code
            ticket.category_name = ticket.category.name if ticket.category_id else None
        dt = _datetime
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "title": ticket.title,
            "description": ticket.description,
            "status": ticket.status,
            "priority": ticket.priority,
            "sla_status": current_sla_status(ticket),
            "entitlement_id": ticket.entitlement_id,
            "entitlement_code": ticket.entitlement_code,
            "environment_id": ticket.environment_id,
            "service_id": ticket.service_id,
            "organization_id": ticket.organization_id,
            "requester_id": ticket.requester_id,
            "assignee_id": ticket.assignee_id,
            "due_at": dt(ticket.due_at),
            "response_due_at": dt(ticket.response_due_at),
            "resolution_due_at": dt(ticket.resolution_due_at),
            "first_response_at": dt(ticket.first_response_at),
            "resolved_at": dt(ticket.resolved_at),
            "closed_at": dt(ticket.closed_at),
            "rating": ticket.rating,
            "category_id": ticket.category_id,
            "type": ticket.category_name,
            "source": ticket.source,
            "created_at": dt(ticket.created_at),
            "updated_at": dt(ticket.updated_at),
        }


def _datetime(value: datetime | None) -> str | None:
    """DRF's rendering of a datetime under this project's settings (UTC, DATETIME_FORMAT
    `%Y-%m-%dT%H:%M:%SZ`), without its per-value lookup of the active time zone: a quarter of
    a ticket page's serialization (tests/performance/test_serializers.py holds them equal)."""
    return None if value is None else value.astimezone(UTC).strftime(DATETIME_FORMAT)


DATETIME_FORMAT = settings.REST_FRAMEWORK["DATETIME_FORMAT"]
if not DATETIME_FORMAT.endswith("Z") or settings.TIME_ZONE != "UTC":
    # The fast path above renders UTC; with any other setting, DRF's own field decides.
    _datetime = serializers.DateTimeField().to_representation  # type: ignore[assignment]


class TicketCreatedSerializer(serializers.ModelSerializer):
    """Seed 000's 201 body for POST /tickets."""

    entitlement_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "number", "status", "title", "entitlement_id"]
        read_only_fields = fields


class EnvironmentTicketCreatedSerializer(serializers.ModelSerializer):
    """Seed 001's 201 body for POST /environments/{id}/tickets."""

    environment_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Ticket
        fields = ["id", "number", "status", "environment_id"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    """A file of a request (issue 14): what it is, never where it is stored."""

    reply_id = serializers.IntegerField(read_only=True, allow_null=True)
    uploaded_by = serializers.IntegerField(source="uploaded_by_id", read_only=True, allow_null=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "filename",
            "size",
            "content_type",
            "sha256",
            "reply_id",
            "internal",
            "uploaded_by",
            "created_at",
        ]
        read_only_fields = fields


class TicketReplySerializer(serializers.ModelSerializer):
    author_id = serializers.IntegerField(read_only=True, allow_null=True)
    author_name = serializers.SerializerMethodField()
    author_is_staff = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Reply
        fields = [
            "id",
            "message",
            "internal",
            "author_id",
            "author_name",
            "author_is_staff",
            "attachments",
            "created_at",
        ]
        read_only_fields = fields

    def get_author_name(self, reply: Reply) -> str | None:
        return reply.author.get_full_name() if reply.author else None

    def get_author_is_staff(self, reply: Reply) -> bool:
        return bool(reply.author and reply.author.is_staff)


def scoped_querysets(org: Organization | None, *, staff: bool) -> ScopedQuerysets:
    """The querysets id inputs are resolved against, for the caller's organization.

    Staff also reach standalone entitlements (no organization); the ticket then belongs to the
    organization in the header.
    """
    return ScopedQuerysets(org, staff=staff)


class ScopedQuerysets(Mapping):
    """name -> queryset, each built when an input first names it (most requests name one)."""

    NAMES = ("entitlement", "environment", "service", "requester", "assignee", "category")

    def __init__(self, org: Organization | None, *, staff: bool) -> None:
        self.org, self.staff = org, staff
        self._built: dict[str, QuerySet] = {}

    def __getitem__(self, name: str) -> QuerySet:
        if name not in self._built:
            if name not in self.NAMES:
                raise KeyError(name)
            self._built[name] = getattr(self, f"_{name}")()
        return self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.NAMES)

    def __len__(self) -> int:
        return len(self.NAMES)

    def _entitlement(self) -> QuerySet:
        entitlements = Entitlement.objects.for_org(self.org)  # None: staff, every organization
        if self.org is not None and self.staff:  # staff may also name a standalone entitlement
            entitlements |= Entitlement.objects.filter(organization__isnull=True)
        # The environment is joined in: ticket_create reads it for ENV entitlements.
        return entitlements.select_related("organization", "environment")

    def _environment(self) -> QuerySet:
        return Environment.objects.for_org(self.org).select_related("entitlement__organization")

    def _service(self) -> QuerySet:
        return Service.objects.for_org(self.org).select_related("entitlement__organization")

    def _requester(self) -> QuerySet:
        if self.org is None:
            return User.objects.filter(is_active=True)
        return tenancy.live_members(self.org.pk)

    def _assignee(self) -> QuerySet:
        return User.objects.filter(is_staff=True, is_active=True)

    def _category(self) -> QuerySet:
        return TicketCategory.objects.filter(is_active=True)


class EnvironmentTicketCreateInput(serializers.Serializer):
    """POST /environments/{id}/tickets (seed 001)."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    requester_id = ScopedIdField(scope="requester", required=False, allow_null=True)
    assignee_id = ScopedIdField(scope="assignee", required=False, allow_null=True)
    category_id = ScopedIdField(scope="category", required=False, allow_null=True)

    STAFF_ONLY = ("requester_id", "assignee_id")


class TicketCreateInput(EnvironmentTicketCreateInput):
    """POST /tickets: the same, naming the target. Staff may also name service_id,
    environment_id, requester_id, assignee_id."""

    entitlement_id = ScopedIdField(scope="entitlement", required=False, allow_null=True)
    environment_id = ScopedIdField(scope="environment", required=False, allow_null=True)
    service_id = ScopedIdField(scope="service", required=False, allow_null=True)

    STAFF_ONLY = ("requester_id", "assignee_id", "service_id")

    def validate(self, attrs: dict) -> dict:
        if not any(attrs.get(f) for f in ("entitlement_id", "environment_id", "service_id")):
            raise serializers.ValidationError(
                {"entitlement_id": ["This field is required."]}, code="required"
            )
        return attrs


class TicketUpdateInput(serializers.Serializer):
    """PATCH /tickets/{id} (staff). Status and the other system fields are refused, not ignored."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    assignee_id = ScopedIdField(scope="assignee", required=False, allow_null=True)
    category_id = ScopedIdField(scope="category", required=False, allow_null=True)

    READ_ONLY = (
        *SYSTEM_FIELDS,
        "entitlement_id",
        "environment_id",
        "service_id",
        "requester_id",
        "sla_status",
    )

    def validate(self, attrs: dict) -> dict:
        sent = set(self.initial_data) if isinstance(self.initial_data, dict) else set()
        refused = sorted(sent & set(self.READ_ONLY))
        if refused:
            raise serializers.ValidationError(
                {
                    name: [
                        "This field is read-only; status changes go through "
                        "POST /tickets/{id}/{transition}."
                        if name == "status"
                        else "This field is read-only."
                    ]
                    for name in refused
                }
            )
        if not attrs:
            raise serializers.ValidationError("Send at least one field to change.")
        return attrs

    def to_action_kwargs(self) -> dict:
        data = dict(self.validated_data)
        if "assignee_id" in data:
            data["assignee"] = data.pop("assignee_id")
        if "category_id" in data:
            data["category"] = data.pop("category_id")
        return data


class TicketTransitionInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class TicketReplyInput(serializers.Serializer):
    message = serializers.CharField()
    internal = serializers.BooleanField(required=False, default=False)


def _files_field() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text="One or more files (multipart only): at most 10 files of 10 MB, 100 MB in all; "
        "images, PDF, text and logs, CSV, zip/gzip, office documents.",
    )


class TicketCreateUpload(TicketCreateInput):
    """POST /tickets as multipart/form-data: the JSON body's fields plus `files`."""

    files = _files_field()


class EnvironmentTicketCreateUpload(EnvironmentTicketCreateInput):
    """POST /environments/{id}/tickets as multipart/form-data: plus `files`."""

    files = _files_field()


class TicketReplyUpload(TicketReplyInput):
    """POST /tickets/{id}/replies as multipart/form-data: plus `files`."""

    files = _files_field()


class TicketAssignInput(serializers.Serializer):
    assignee_id = ScopedIdField(scope="assignee", allow_null=True)


class TicketRateInput(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
