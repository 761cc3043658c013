"""Input of both compatibility APIs: one serializer per operation (fields: tickets.compat.params).

Fields are declared in the order the operation has always checked them (CompatInput stops at
the first failure). The helpdesk's `ticketId` and `userId` are looked up as they are read,
through the view (its organization, its caller), as they always were. The ISP API's context
(`isp_id`, `branch_id`, `user_id`) is checked and resolved by the view before it reads the
ticket, like the account API's organization header. Each view renders errors in its own API's
wire format (tickets.compat.render).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework.exceptions import ValidationError

from accounts.models import User
from accounts.schema import describe_compat_paths
from tickets.compat.mapping import HELPDESK_FILTERS, HELPDESK_PRIORITY_IN
from tickets.compat.params import (
    BIGGEST_ID,
    MESSAGES,
    REQUIRED,
    BoolParam,
    CompatInput,
    HelpdeskDateParam,
    IntChoiceParam,
    IntParam,
    TextChoiceParam,
    TextParam,
)
from tickets.models import Ticket

# The path parameters of both APIs (tickets.compat.urls), as the views read them.
_ID = {"type": "integer", "minimum": 1, "maximum": BIGGEST_ID}
describe_compat_paths(
    {
        "id": _ID,
        "ticket_id": _ID,
        "user_id": {**_ID, "minimum": 0, "description": "0 = every requester"},
        "status": {"type": "string", "enum": ["all", *HELPDESK_FILTERS]},
        "assigned_admin": {
            "type": "string",
            "minLength": 1,
            "description": "The assignee: a staff e-mail address, or what comes before its @.",
        },
    },
    {"/api/v1/get_tickets/{user_id}/": ["status", "assigned_admin"]},
)

# --- ISP ticket API (seed 002) ---------------------------------------------------------------

ISP_STATUSES = [0, 1, 2, 3]
ISP_PRIORITIES = [1, 2, 3]


# `isp_id` (the organization), `branch_id` (an environment of it, 0 = all) and `user_id`
# (the caller), which a ticket's own routes may leave out.
class IspContextInput(CompatInput):
    isp_id = IntParam(minimum=1, required=False)
    branch_id = IntParam(required=False, help_text="0 = all branches")
    user_id = IntParam(minimum=1, required=False)


# The same three, required (listing and creating tickets): all three present first, then
# the two ids positive.
class IspRequiredContextInput(CompatInput):
    isp_id = IntParam(documented_minimum=1)
    branch_id = IntParam(help_text="0 = all branches")
    user_id = IntParam(documented_minimum=1)

    def validate(self, attrs: dict) -> dict:
        for name in ("isp_id", "user_id"):
            if attrs[name] < 1:
                raise ValidationError({name: MESSAGES["min"].format(name=name, minimum=1)})
        return attrs


class IspTicketListInput(IspRequiredContextInput):
    status = IntChoiceParam(ISP_STATUSES, required=False)
    priority = IntChoiceParam(ISP_PRIORITIES, required=False)
    page = IntParam(minimum=1, required=False)  # not in the seeds: a list is never unbounded
    per_page = IntParam(minimum=1, required=False)


@extend_schema_serializer(component_name="IspTicketCreate")
class IspTicketCreateInput(IspRequiredContextInput):
    title = TextParam(max_length=200)
    description = TextParam()
    priority = IntChoiceParam(ISP_PRIORITIES)
    subscriber_id = IntParam(minimum=1, required=False)


@extend_schema_serializer(component_name="IspTicketUpdate")
class IspTicketUpdateInput(IspContextInput):
    title = TextParam(max_length=200, required=False, blank_is_missing=False)
    description = TextParam(required=False, blank_is_missing=False)
    priority = IntChoiceParam(ISP_PRIORITIES, required=False)

    def validate(self, attrs: dict) -> dict:
        if not (attrs["title"] or attrs["description"] or attrs["priority"] is not None):
            raise ValidationError({"title": "Send at least one of title, description, priority."})
        return attrs


@extend_schema_serializer(component_name="IspReply")
class IspReplyInput(IspContextInput):
    message = TextParam()


@extend_schema_serializer(component_name="IspStatus")
class IspStatusInput(IspContextInput):
    status = IntChoiceParam(ISP_STATUSES)


# --- Helpdesk ticket API (seed 003) ----------------------------------------------------------

HELPDESK_PRIORITIES = ["low", "medium", "high", "urgent"]


# `ticketId` becomes the ticket of the caller's organization (another organization's is
# "not found") and `userId` the acting user (the caller, or someone staff act for).
class HelpdeskInput(CompatInput):
    def validate_ticketId(self, value: int) -> Ticket:
        return self.context["view"].ticket(value, "assignee", "requester")

    def validate_userId(self, value: int) -> User:
        return self.context["view"].acting_user(value)


# A ticket named in the path (`get_ticket_details`, `close_ticket`).
class TicketIdInput(HelpdeskInput):
    ticketId = IntParam(minimum=1)


@extend_schema_serializer(component_name="HelpdeskRaiseTicket")
class RaiseTicketInput(HelpdeskInput):
    type = TextParam(max_length=80)
    subject = TextParam(max_length=200)
    comments = TextParam()
    userId = IntParam(minimum=1)
    priority = TextChoiceParam(
        HELPDESK_PRIORITIES, aliases=tuple(HELPDESK_PRIORITY_IN), required=False
    )
    closeTicketImmediately = BoolParam(default=False)
    resolutionType = TextParam(max_length=80, required=False)
    resolutionSubject = TextParam(max_length=200, required=False)
    entitlementCode = TextParam(max_length=20, required=False)

    def validate(self, attrs: dict) -> dict:
        attrs["priority"] = attrs["priority"] or "medium"
        if attrs["closeTicketImmediately"]:
            for name in ("resolutionType", "resolutionSubject"):
                if not attrs[name]:
                    raise ValidationError({name: REQUIRED.format(name=name)})
        return attrs


@extend_schema_serializer(
    component_name="HelpdeskTicketDates", exclude_fields=["userId", "status", "page", "per_page"]
)
class GetTicketsInput(CompatInput):
    # The path's userId and status, the body's dates (POST) and the query's page; the body's
    # dates alone are documented as the request body.

    userId = IntParam()  # 0 = every requester
    status = TextChoiceParam(
        ["all", *HELPDESK_FILTERS],
        required=False,
        error_messages={
            "invalid_choice": f"Unknown status '{{value}}'. Use one of: {', '.join(HELPDESK_FILTERS)}."
        },
    )
    fromDate = HelpdeskDateParam()
    toDate = HelpdeskDateParam()
    page = IntParam(minimum=1, required=False)  # not in the seeds: a list is never unbounded
    per_page = IntParam(minimum=1, required=False)


@extend_schema_serializer(component_name="HelpdeskSendMessage")
class SendMessageInput(HelpdeskInput):
    ticketId = IntParam(minimum=1)
    ticketMessage = TextParam()
    sender = TextChoiceParam(["admin", "user"], max_length=10)
    sender_name = TextParam(max_length=254)
    showToUser = BoolParam(default=True)

    def validate(self, attrs: dict) -> dict:
        if attrs["sender"] == "user" and not attrs["showToUser"]:
            raise ValidationError(
                {"showToUser": "A user's message is always shown to the user (showToUser=true)."}
            )
        return attrs


@extend_schema_serializer(component_name="HelpdeskAssign")
class AssignInput(HelpdeskInput):
    ticketId = IntParam(minimum=1)
    admin = TextParam(max_length=254)


@extend_schema_serializer(component_name="HelpdeskReopen")
class ReopenInput(HelpdeskInput):
    ticketId = IntParam(minimum=1)
    userId = IntParam(minimum=1)
    comments = TextParam()


@extend_schema_serializer(component_name="HelpdeskRating")
class RatingInput(HelpdeskInput):
    ticketId = IntParam(minimum=1)
    userId = IntParam(minimum=1)
    ratingValue = IntChoiceParam([1, 2, 3, 4, 5], minimum=1)
