"""Every body the two compatibility APIs answer, one class per API (their wire formats).

The views say what happened (`IspWire.created(ticket)`, `HelpdeskWire.closed()`); errors are
rendered from the exception's status and message (tickets.compat.common.CompatView). Nothing
else in tickets/compat writes a body.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from accounts.models import User
from accounts.schema import register_component
from tickets.compat.mapping import (
    HELPDESK_PRIORITY_OUT,
    ISP_PRIORITY_TO_CODE,
    ISP_STATUS_TO_CODE,
    helpdesk_status,
    helpdesk_time,
    isp_time,
)
from tickets.models import Reply, Ticket


def _name(user: User) -> str:
    return user.name or user.email


# --- The bodies' documentation (OpenAPI components); the bodies themselves are built below ----

UTC_TIME = "YYYY-MM-DD HH:MM:SS, UTC"
HELPDESK_STATUSES = ["open", "onhold", "unassigned", "closed"]  # mapping.helpdesk_status


class IspTicketRow(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subscriber_id = serializers.IntegerField()
    subscriber_name = serializers.CharField()
    priority = serializers.ChoiceField(choices=sorted(set(ISP_PRIORITY_TO_CODE.values())))
    status = serializers.ChoiceField(choices=sorted(set(ISP_STATUS_TO_CODE.values())))
    created_at = serializers.CharField(help_text=UTC_TIME)


class IspTicketReply(serializers.Serializer):
    id = serializers.IntegerField()
    message = serializers.CharField()
    user_name = serializers.CharField()
    internal = serializers.BooleanField()
    created_at = serializers.CharField(help_text=UTC_TIME)


class IspTicketDetail(IspTicketRow):
    description = serializers.CharField()
    replies = IspTicketReply(many=True)


class IspCreated(serializers.Serializer):
    id = serializers.IntegerField()


class NamedEnumField(serializers.ChoiceField):
    """Choices documented as the enum component `name` (a `status` of its own values, which
    drf-spectacular's naming by field would collide with the other statuses)."""

    def __init__(self, name: str, choices: list[str], **kwargs: Any) -> None:
        self.enum_name = name
        super().__init__(choices, **kwargs)


class NamedEnumFieldSchema(OpenApiSerializerFieldExtension):
    target_class = NamedEnumField

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        choices = {"type": "string", "enum": list(self.target.choices)}
        return register_component(auto_schema, self.target.enum_name, choices)


class HelpdeskTicketRow(serializers.Serializer):
    id = serializers.CharField(help_text="The ticket's id, as a string")
    number = serializers.CharField()
    account_id = serializers.CharField(help_text="The organization's slug")
    user = serializers.CharField(help_text="The requester's id, as a string")
    subject = serializers.CharField()
    type = serializers.CharField(help_text='The category, or "NULL"')
    priority = serializers.ChoiceField(choices=list(dict.fromkeys(HELPDESK_PRIORITY_OUT.values())))
    due = serializers.CharField(help_text=f'{UTC_TIME}, or "NULL"')
    status = NamedEnumField("HelpdeskTicketStatusEnum", HELPDESK_STATUSES)
    assigned_to = serializers.CharField(help_text='The assignee\'s e-mail address, or "NULL"')
    group_name = serializers.CharField()
    created = serializers.CharField(help_text=UTC_TIME)


class HelpdeskTicketListItem(serializers.Serializer):
    Ticket = HelpdeskTicketRow()


class HelpdeskConversationMessage(serializers.Serializer):
    sender = serializers.ChoiceField(choices=["user", "admin"])
    sender_name = serializers.CharField()
    ticket_message = serializers.CharField()
    created = serializers.CharField(help_text=UTC_TIME)
    show_to_user = serializers.ChoiceField(choices=["1", "0"])


class HelpdeskTicketSummary(serializers.Serializer):
    id = serializers.CharField(help_text="The ticket's id, as a string")
    number = serializers.CharField()
    subject = serializers.CharField()
    priority = serializers.ChoiceField(choices=list(dict.fromkeys(HELPDESK_PRIORITY_OUT.values())))
    status = NamedEnumField("HelpdeskTicketStatusEnum", HELPDESK_STATUSES)
    assigned_to = serializers.CharField(help_text='The assignee\'s e-mail address, or "NULL"')
    rating = serializers.IntegerField(allow_null=True, min_value=1, max_value=5)
    created = serializers.CharField(help_text=UTC_TIME)


class HelpdeskTicketDetails(serializers.Serializer):
    ticket_conversation = HelpdeskConversationMessage(many=True)
    ticket_details = HelpdeskTicketSummary()


class HelpdeskMessageField(serializers.JSONField):
    """A helpdesk answer's `message`: a sentence, or get_ticket_details' conversation."""


class HelpdeskMessageFieldSchema(OpenApiSerializerFieldExtension):
    target_class = HelpdeskMessageField

    def map_serializer_field(self, auto_schema, direction):  # type: ignore[no-untyped-def]
        details = auto_schema.resolve_serializer(HelpdeskTicketDetails, direction).ref
        return {"oneOf": [{"type": "string"}, details]}


class IspWire:
    """Seed 002: `{"success": true, "message"?, "data"?}`, errors `{"success": false, "message",
    "errors"?}` (`errors` holds the offending field of a 422)."""

    # What a list row reads; a page of 100 builds nothing else (status loaded for the FSM).
    ROW_FIELDS = (
        "id",
        "title",
        "requester_id",
        "requester__name",
        "requester__email",
        "priority",
        "status",
        "created_at",
    )
    ENTITLEMENT_FIELD = "branch_id"
    MESSAGE = inline_serializer(
        "IspMessage",
        {
            "success": serializers.BooleanField(),
            "message": serializers.CharField(),
            "data": IspCreated(required=False, help_text="The created ticket (201 create only)"),
        },
    )
    LIST = inline_serializer(
        "IspTicketList",
        {"success": serializers.BooleanField(), "data": IspTicketRow(many=True)},
    )
    DETAIL = inline_serializer(
        "IspTicket", {"success": serializers.BooleanField(), "data": IspTicketDetail()}
    )

    @staticmethod
    def error(status: int, message: str, fields: dict | None = None) -> dict:
        body: dict[str, Any] = {"success": False, "message": message}
        if fields:
            body["errors"] = fields
        return body

    @staticmethod
    def ticket_not_found(pk: int) -> str:
        return "Ticket not found."

    @staticmethod
    def no_sole_entitlement(how_many: str) -> str:
        return (
            f"This ISP has {how_many} active hosting entitlements; send the branch_id of the "
            "environment."
        )

    @staticmethod
    def _done(message: str, status: int = 200, **extra: Any) -> Response:
        return Response({"success": True, "message": message, **extra}, status=status)

    @staticmethod
    def row(ticket: Ticket) -> dict:
        return {
            "id": ticket.pk,
            "title": ticket.title,
            "subscriber_id": ticket.requester_id,
            "subscriber_name": _name(ticket.requester),
            "priority": ISP_PRIORITY_TO_CODE[ticket.priority],
            "status": ISP_STATUS_TO_CODE[ticket.status],
            "created_at": isp_time(ticket.created_at),
        }

    @classmethod
    def rows(cls, tickets: Iterable[Ticket]) -> Response:
        return Response({"success": True, "data": [cls.row(t) for t in tickets]})

    @classmethod
    def ticket(cls, ticket: Ticket, replies: Iterable[Reply]) -> Response:
        row = cls.row(ticket)
        data = {
            **{k: row[k] for k in ("id", "title")},
            "description": ticket.description,
            **{k: row[k] for k in ("subscriber_id", "subscriber_name", "priority", "status")},
            "replies": [
                {
                    "id": reply.pk,
                    "message": reply.message,
                    "user_name": _name(reply.author) if reply.author else "",
                    "internal": reply.internal,
                    "created_at": isp_time(reply.created_at),
                }
                for reply in replies
            ],
            "created_at": row["created_at"],
        }
        return Response({"success": True, "data": data})

    @classmethod
    def created(cls, ticket: Ticket) -> Response:
        return cls._done("Ticket created successfully", 201, data={"id": ticket.pk})

    @classmethod
    def updated(cls) -> Response:
        return cls._done("Ticket updated successfully")

    @classmethod
    def deleted(cls) -> Response:
        return cls._done("Ticket deleted successfully")

    @classmethod
    def replied(cls) -> Response:
        return cls._done("Reply added successfully", 201)

    @classmethod
    def status_changed(cls) -> Response:
        return cls._done("Ticket status updated successfully")


class HelpdeskWire:
    """Seed 003: `{"status": "success"|"error", "errorCode": <HTTP status>, "message": ...}` (the
    seed's `"errorCode" = 200` read as the JSON key it was meant to be)."""

    # What row() reads: a list page of 100 rows builds nothing else (the status is read so the
    # FSM's initial-state bookkeeping finds it loaded).
    ROW_FIELDS = (
        "id",
        "number",
        "organization__slug",
        "requester_id",
        "title",
        "category__name",
        "priority",
        "resolution_due_at",
        "status",
        "assignee__email",
        "created_at",
    )
    ENTITLEMENT_FIELD = "entitlementCode"
    ANSWER = inline_serializer(
        "HelpdeskAnswer",
        {
            "status": serializers.ChoiceField(choices=["success", "error"]),
            "errorCode": serializers.IntegerField(),
            "message": HelpdeskMessageField(),
            "ticketId": serializers.CharField(
                required=False, help_text="The raised ticket's id (raise_ticket only)"
            ),
        },
    )
    LIST = inline_serializer(
        "HelpdeskTicketList",
        {
            "status": serializers.ChoiceField(choices=["success"]),
            "errorCode": serializers.IntegerField(),
            "data": HelpdeskTicketListItem(many=True),
        },
    )

    @staticmethod
    def error(status: int, message: str, fields: dict | None = None) -> dict:
        return {"status": "error", "errorCode": status, "message": message}

    @staticmethod
    def ticket_not_found(pk: int) -> str:
        return f"Ticket {pk} not found."

    @staticmethod
    def no_sole_entitlement(how_many: str) -> str:
        return (
            f"This organization has {how_many} active hosting entitlements; send entitlementCode."
        )

    @staticmethod
    def _ok(message: Any, **extra: Any) -> Response:
        return Response({"status": "success", "errorCode": 200, "message": message, **extra})

    @staticmethod
    def _thanks(message: str) -> Response:
        """Seed 003's V7/V8 answers, whose keys come in another order."""
        return Response({"status": "success", "message": message, "errorCode": 200})

    @staticmethod
    def _display(user: User | None) -> str:
        return "NULL" if user is None else user.email

    @classmethod
    def row(cls, ticket: Ticket) -> dict:
        category = ticket.category.name if ticket.category else "NULL"
        return {
            "Ticket": {
                "id": str(ticket.pk),
                "number": ticket.number,
                "account_id": ticket.organization.slug,
                "user": str(ticket.requester_id),
                "subject": ticket.title,
                "type": category,
                "priority": HELPDESK_PRIORITY_OUT[ticket.priority],
                "due": helpdesk_time(ticket.resolution_due_at) or "NULL",
                "status": helpdesk_status(ticket),
                "assigned_to": cls._display(ticket.assignee),
                "group_name": category,
                "created": helpdesk_time(ticket.created_at),
            }
        }

    @classmethod
    def rows(cls, tickets: Iterable[Ticket]) -> Response:
        return Response(
            {"status": "success", "errorCode": 200, "data": [cls.row(t) for t in tickets]}
        )

    @staticmethod
    def _said(sender: str, name: str, message: str, created: Any, shown: bool) -> dict:
        return {
            "sender": sender,
            "sender_name": name,
            "ticket_message": message,
            "created": helpdesk_time(created),
            "show_to_user": "1" if shown else "0",
        }

    @classmethod
    def details(cls, ticket: Ticket, replies: Iterable[Reply]) -> Response:
        conversation = [
            cls._said("user", _name(ticket.requester), ticket.description, ticket.created_at, True)
        ]
        for reply in replies:
            author = reply.author
            staff = author is not None and author.is_staff  # how the message reads, not a right
            name = "" if author is None else author.email if staff else _name(author)
            conversation.append(
                cls._said(
                    "admin" if staff else "user",
                    name,
                    reply.message,
                    reply.created_at,
                    not reply.internal,
                )
            )
        details = {
            "id": str(ticket.pk),
            "number": ticket.number,
            "subject": ticket.title,
            "priority": HELPDESK_PRIORITY_OUT[ticket.priority],
            "status": helpdesk_status(ticket),
            "assigned_to": cls._display(ticket.assignee),
            "rating": ticket.rating,
            "created": helpdesk_time(ticket.created_at),
        }
        return cls._ok({"ticket_conversation": conversation, "ticket_details": details})

    @classmethod
    def raised(cls, ticket: Ticket) -> Response:
        return cls._ok(
            f"Your ticket with the ID {ticket.pk} has been raised. Please wait for the response "
            "and note the ticket Id for future reference.",
            ticketId=str(ticket.pk),
        )

    @classmethod
    def message_sent(cls, sender: str) -> Response:
        recipient = "user" if sender == "admin" else "admin"
        return cls._ok(f"The message has been sent to the {recipient}")

    @classmethod
    def closed(cls) -> Response:
        return cls._ok("The ticket has been closed")

    @classmethod
    def assigned(cls) -> Response:
        return cls._ok("Admin assigned to the ticket successfully")

    @classmethod
    def reopened(cls) -> Response:
        return cls._thanks("Ticket has been reopened successfully")

    @classmethod
    def rated(cls, ticket: Ticket) -> Response:
        return cls._thanks(
            f"Thanks for your feedback, your rating has been saved for the ticket ID{ticket.pk}"
        )
